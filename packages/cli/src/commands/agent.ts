import { parseArgs } from 'node:util';
import { startAgent } from '@cohort/agent';
import { printable, removeSecrets, resolveAgentToken, type AgentMode } from '@cohort/shared';
import { COMMON_FLAGS, CONNECT_FLAGS, TLS_FLAGS_HELP, intOptions, loggerFlag, secretFlag, stringFlags } from '../args.js';
import { agentConnectUrl, tlsFlags } from '../connect-target.js';

export const AGENT_HELP = `cohort agent --connect ws://HOST:PORT [--token T | --token-file F] [--tasks-dir DIR]...
    [--tls-fingerprint sha256:HEX | --tls-ca FILE] [--tls-cert FILE --tls-key FILE] [--insecure-no-tls]
    [--mode auto|threads|processes] [--slots N] [--name NAME] [--heap-limit-mb 512] [--drain-grace-ms 30000]
    [--cache-dir DIR] [--cache-max-bytes 1073741824] [--max-shared-bytes 1073741824] [--metrics-port N [--metrics-host 127.0.0.1] [--metrics-public]] [--log-level info]
  Runs partitions on worker threads or child processes. SIGTERM drains: no new work,
  running partitions finish (bounded by --drain-grace-ms), then exit 0.
  Shipped tasks (sha256:<hash>) are fetched from the coordinator the first time they are needed,
  verified by hash, and kept in --cache-dir (default <tmpdir>/cohort-bundles, created 0700; it must
  be this user's and writable by no one else), at most --cache-max-bytes (least recently used evicted).
  Jobs' shared values are fetched once per agent and held in memory while their jobs run, at most
  --max-shared-bytes at once (a larger one fails with SHARED_TOO_LARGE).
  --connect defaults to COHORT_URL. The token may also come from COHORT_AGENT_TOKEN or COHORT_TOKEN; --token-file keeps it out of the
  agent's environment (which its process slots could read). Slots never see it.
  --metrics-port serves GET /metrics (Prometheus: slots, partitions, slot starts and crashes, bundle
  cache) on --metrics-host (loopback by default; 0 picks a free port, logged). It asks for the agent's
  token when it has one, unless --metrics-public; beyond loopback it needs one or the other.
${TLS_FLAGS_HELP}
  The TLS flags need a wss:// URL. The agent exits 1, without retrying, when the coordinator cannot be
  verified (TLS_FAILED), speaks TLS to a ws:// URL (TLS_REQUIRED) or revoked the token (AUTH_REVOKED).`;

/** The integer flags, in the order they are checked, with the option each sets. */
const INT_FLAGS = {
  slots: 'slots',
  'heap-limit-mb': 'heapLimitMb',
  'drain-grace-ms': 'drainGraceMs',
  'cache-max-bytes': 'cacheMaxBytes',
  'max-shared-bytes': 'maxSharedBytes',
  'metrics-port': 'metricsPort',
} as const;

const FLAGS = {
  ...CONNECT_FLAGS,
  'tasks-dir': { type: 'string', multiple: true },
  mode: { type: 'string' },
  name: { type: 'string' },
  'cache-dir': { type: 'string' },
  'metrics-host': { type: 'string' },
  'metrics-public': { type: 'boolean' },
  ...stringFlags(INT_FLAGS),
  ...COMMON_FLAGS,
} as const;

export async function agentCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true });
  if (values.help) {
    process.stdout.write(`${AGENT_HELP}\n`);
    return 0;
  }
  const token = resolveAgentToken(secretFlag('token', values.token, 'token-file', values['token-file']));
  const connect = agentConnectUrl(values.connect);
  const tls = tlsFlags(values, process.env, connect);
  // Read once: from here on neither this process's environment nor its slots' holds a Cohort secret.
  removeSecrets(process.env);
  const agent = await startAgent({
    connect,
    ...(token !== undefined && { token }),
    ...(tls !== undefined && { tls }),
    ...(values['insecure-no-tls'] && { insecureNoTls: true }),
    ...(values['tasks-dir'] !== undefined && { tasksDirs: values['tasks-dir'] }),
    ...(values.mode !== undefined && { mode: values.mode as AgentMode }),
    ...(values.name !== undefined && { name: values.name }),
    ...(values['cache-dir'] !== undefined && { cacheDir: values['cache-dir'] }),
    ...(values['metrics-host'] !== undefined && { metricsHost: values['metrics-host'] }),
    ...(values['metrics-public'] && { metricsPublic: true }),
    ...intOptions(values, INT_FLAGS),
    logger: loggerFlag(values['log-level'], 'agent'),
  });
  let announced = false;
  const announce = () => {
    if (agent.sessionId && !announced) {
      announced = true;
      process.stdout.write(
        `cohort agent ${agent.name} joined ${agent.options.connect} as ${printable(agent.sessionId)} (${agent.options.slots} slots, mode ${agent.options.mode})\n`,
      );
    }
  };
  agent.ready.then(announce, () => {});
  process.once('SIGTERM', () => void agent.drain());
  process.once('SIGINT', () => void agent.drain());
  await agent.closed;
  return 0;
}
