import { parseArgs } from 'node:util';
import { startCoordinator, type Coordinator, type CoordinatorOptions } from '@cohort/coordinator';
import { type CohortError, ErrorCode, removeSecrets } from '@cohort/shared';
import { COMMON_FLAGS, intOptions, loggerFlag, numberFlag, stringFlags } from '../args.js';
import { dashboardLine } from '../dashboard-url.js';
import { TLS_FLAGS, TLS_HELP, startLines, tlsOptions } from './coordinator-tls.js';
import { ReloadSignal } from './reload-signal.js';

export const COORDINATOR_HELP = `cohort coordinator [--host 127.0.0.1] [--port 7070] [--token T | --token-file F]
    [--agent-token T | --agent-token-file F] [--tasks-dir DIR]... [--heartbeat-ms 500] [--heartbeat-timeout-ms 2000] [--max-attempts 3]
    [--state-dir DIR [--journal-recover]] [--max-payload-bytes 67108864] [--max-body-bytes 67108864] [--log-level info]
    [--max-bundle-bytes 52428800] [--max-shared-bytes 1073741824]
    [--headers-timeout-ms 10000] [--request-timeout-ms 60000] [--keep-alive-timeout-ms 5000]
    [--max-pending-connections 512]
    [--no-speculation] [--speculation-quantile 0.75] [--speculation-multiplier 1.5] [--metrics-public]
    [--scheduling fair|fifo]
    [--tls auto [--tls-name NAME]... | --tls-cert FILE --tls-key FILE] [--tls-client-ca FILE] [--insecure-no-tls]
  Serves agents (ws://HOST:PORT/agent, wss:// with TLS), the JSON API and progress streams on one port.
  The token may also come from COHORT_TOKEN; it grants both roles unless --agent-token (or
  COHORT_AGENT_TOKEN) splits them: then only the agent token joins, and only --token uses the API.
  --token-file and --agent-token-file name files of one or more accepted tokens, one per line (blank
  lines and # comments skipped); COHORT_TOKEN / COHORT_AGENT_TOKEN are ignored when a file is given.
  SIGHUP re-reads them without dropping connected sessions: an agent whose token was removed is closed
  with AUTH_REVOKED at its next message, and within one heartbeat period whatever it sends (its
  partitions go back to the queue); dashboard sessions and event streams opened with it end at once.
  A file that cannot be read, or holds no token, keeps the old tokens (the log says why) and the
  coordinator goes on serving. A token file readable by others (the world) is logged as a warning.
  Binding beyond loopback requires a token and TLS. Clients ship their own tasks as bundles named by their
  SHA-256 (kept in --state-dir/bundles, or in a temporary directory without one); besides those,
  task modules load only from a --tasks-dir. Jobs' shared values (cohort run --shared) are uploaded
  the same way, up to --max-shared-bytes, and kept in --state-dir/shared.
  A damaged journal (JOURNAL_CORRUPT) stops start-up; --journal-recover saves the damaged
  bytes aside next to the journal, keeps every valid record, and starts.
  A connection must send its request head within --headers-timeout-ms (the idle limit).
  GET /metrics (Prometheus) asks for the client token like /api; --metrics-public serves it without
  one, for a scraper on a private network (a warning is logged when binding beyond loopback).
  --scheduling fair (the default) shares the agents between running jobs, round robin weighted by each
  job's priority (cohort run --priority N); fifo runs them first come, first served.
  Exits 1 at once with LISTEN_FAILED if the address cannot be bound.
${TLS_HELP}
  Prints 'cohort coordinator listening on URL' (and with TLS 'cohort coordinator tls fingerprint
  sha256:…') on stdout; on stderr a join line to paste onto an agent host (the token never in it).`;

/** The integer flags, in the order they are checked, with the option each sets. */
const INT_FLAGS = {
  port: 'port',
  'heartbeat-ms': 'heartbeatMs',
  'heartbeat-timeout-ms': 'heartbeatTimeoutMs',
  'max-attempts': 'maxAttempts',
  'max-payload-bytes': 'maxPayloadBytes',
  'max-body-bytes': 'maxBodyBytes',
  'max-bundle-bytes': 'maxBundleBytes',
  'max-shared-bytes': 'maxSharedBytes',
  'headers-timeout-ms': 'headersTimeoutMs',
  'request-timeout-ms': 'requestTimeoutMs',
  'keep-alive-timeout-ms': 'keepAliveTimeoutMs',
  'max-pending-connections': 'maxPendingConnections',
} as const;

const FLAGS = {
  host: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'agent-token': { type: 'string' },
  'agent-token-file': { type: 'string' },
  'tasks-dir': { type: 'string', multiple: true },
  'state-dir': { type: 'string' },
  'journal-recover': { type: 'boolean' },
  'metrics-public': { type: 'boolean' },
  scheduling: { type: 'string' },
  'no-speculation': { type: 'boolean' },
  'speculation-quantile': { type: 'string' },
  'speculation-multiplier': { type: 'string' },
  ...stringFlags(INT_FLAGS),
  ...TLS_FLAGS,
  ...COMMON_FLAGS,
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS; strict: true }>>['values'];

export async function coordinatorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true });
  if (values.help) {
    process.stdout.write(`${COORDINATOR_HELP}\n`);
    return 0;
  }
  // The coordinator's options resolve COHORT_TOKEN / COHORT_AGENT_TOKEN (ignored with a token file, which is passed as its path
  // and re-read on SIGHUP) from this copy; then nothing this process starts or loads (task code in split and merge) finds them.
  const env = { ...process.env };
  removeSecrets(process.env);
  const options = coordinatorOptions(values, env);
  const sighup = new ReloadSignal().install(); // before start: SIGHUP's default would kill a coordinator still starting
  let coordinator: Coordinator;
  try {
    coordinator = await startCoordinator(options);
  } catch (err) {
    sighup.uninstall();
    throw err;
  }
  sighup.started(() => reloadOnSignal(coordinator));
  // The signal handlers first: a supervisor may send SIGTERM as soon as it reads the listening line.
  const stopped = untilStopped(coordinator);
  const lines = startLines(coordinator);
  process.stdout.write(`${[`cohort coordinator listening on ${coordinator.url}`, ...lines.stdout].join('\n')}\n`);
  process.stderr.write(`${[dashboardLine(coordinator.url), ...lines.stderr].join('\n')}\n`); // the token is the user's: never printed
  return stopped;
}

/** Flags → the options startCoordinator takes; `env` is the environment as it was before removeSecrets. */
function coordinatorOptions(values: Values, env: NodeJS.ProcessEnv): CoordinatorOptions {
  return {
    env,
    ...(values.host !== undefined && { host: values.host }),
    ...(values.token !== undefined && { token: values.token }),
    ...(values['agent-token'] !== undefined && { agentToken: values['agent-token'] }),
    ...(values['token-file'] !== undefined && { tokenFile: values['token-file'] }),
    ...(values['agent-token-file'] !== undefined && { agentTokenFile: values['agent-token-file'] }),
    ...(values['tasks-dir'] !== undefined && { tasksDirs: values['tasks-dir'] }),
    ...(values['state-dir'] !== undefined && { stateDir: values['state-dir'] }),
    ...(values['journal-recover'] && { journalRecover: true }),
    ...(values['metrics-public'] && { metricsPublic: true }),
    ...(values.scheduling !== undefined && { scheduling: values.scheduling as CoordinatorOptions['scheduling'] }),
    ...tlsOptions(values),
    ...intOptions(values, INT_FLAGS),
    speculation: {
      ...(values['no-speculation'] && { enabled: false }),
      ...(values['speculation-quantile'] !== undefined && { quantile: numberFlag('speculation-quantile', values['speculation-quantile']) }),
      ...(values['speculation-multiplier'] !== undefined && { multiplier: numberFlag('speculation-multiplier', values['speculation-multiplier']) }),
    },
    logger: loggerFlag(values['log-level'], 'coordinator'),
  };
}

/** SIGHUP: re-read the token files. A bad file keeps the old tokens (the coordinator logged why); either way it goes on serving. */
function reloadOnSignal(coordinator: Coordinator): void {
  const line = (level: string, fields: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify({ time: Date.now(), level, msg: 'signal received', signal: 'SIGHUP', component: 'coordinator', ...fields })}\n`);
  try {
    const counts = coordinator.reloadCredentials();
    line('info', { reloaded: true, clientTokens: counts.client, agentTokens: counts.agent });
  } catch (err) {
    line('error', { reloaded: false, code: (err as CohortError).code ?? ErrorCode.INTERNAL, message: (err as Error).message });
  }
}

/** Serve until SIGTERM or SIGINT (exit 0), or until stopped from inside (exit with process.exitCode). */
function untilStopped(coordinator: Coordinator): Promise<number> {
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`${JSON.stringify({ time: Date.now(), level: 'info', msg: 'signal received', signal, component: 'coordinator' })}\n`);
      void coordinator.close().then(() => resolve(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // Stopped from inside (a fatal journal error sets process.exitCode): exit with it.
    void coordinator.closed.then(() => resolve(process.exitCode === undefined ? 0 : Number(process.exitCode)));
  });
}
