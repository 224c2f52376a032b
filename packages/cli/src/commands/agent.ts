import { parseArgs } from 'node:util';
import { startAgent } from '@cohort/agent';
import { printable, removeSecrets, resolveAgentToken, type AgentMode } from '@cohort/shared';
import { COMMON_FLAGS, intFlag, loggerFlag, secretFlag } from '../args.js';

export const AGENT_HELP = `cohort agent --connect ws://HOST:PORT [--token T | --token-file F] [--tasks-dir DIR]...
    [--mode auto|threads|processes] [--slots N] [--name NAME] [--heap-limit-mb 512] [--drain-grace-ms 30000] [--log-level info]
  Runs partitions on worker threads or child processes. SIGTERM drains: no new work,
  running partitions finish (bounded by --drain-grace-ms), then exit 0.
  The token may also come from COHORT_AGENT_TOKEN or COHORT_TOKEN; --token-file keeps it out of the
  agent's environment (which its process slots could read). Slots never see it.`;

export async function agentCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      connect: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'tasks-dir': { type: 'string', multiple: true },
      mode: { type: 'string' },
      slots: { type: 'string' },
      name: { type: 'string' },
      'heap-limit-mb': { type: 'string' },
      'drain-grace-ms': { type: 'string' },
      ...COMMON_FLAGS,
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${AGENT_HELP}\n`);
    return 0;
  }
  const token = resolveAgentToken(secretFlag('token', values.token, 'token-file', values['token-file']));
  // Read once: from here on neither this process's environment nor its slots' holds a Cohort secret.
  removeSecrets(process.env);
  const agent = await startAgent({
    connect: values.connect ?? '',
    ...(token !== undefined && { token }),
    ...(values['tasks-dir'] !== undefined && { tasksDirs: values['tasks-dir'] }),
    ...(values.mode !== undefined && { mode: values.mode as AgentMode }),
    ...(values.slots !== undefined && { slots: intFlag('slots', values.slots)! }),
    ...(values.name !== undefined && { name: values.name }),
    ...(values['heap-limit-mb'] !== undefined && { heapLimitMb: intFlag('heap-limit-mb', values['heap-limit-mb'])! }),
    ...(values['drain-grace-ms'] !== undefined && { drainGraceMs: intFlag('drain-grace-ms', values['drain-grace-ms'])! }),
    logger: loggerFlag(values['log-level'], 'agent'),
  });
  let announced = false;
  const announce = () => {
    if (agent.sessionId && !announced) {
      announced = true;
      process.stdout.write(`cohort agent ${agent.name} joined ${agent.options.connect} as ${printable(agent.sessionId)} (${agent.options.slots} slots, mode ${agent.options.mode})\n`);
    }
  };
  agent.ready.then(announce, () => {});
  process.once('SIGTERM', () => void agent.drain());
  process.once('SIGINT', () => void agent.drain());
  await agent.closed;
  return 0;
}
