import { parseArgs } from 'node:util';
import { startAgent } from '@cohort/agent';
import { printable, type AgentMode } from '@cohort/shared';
import { COMMON_FLAGS, intFlag, loggerFlag } from '../args.js';

export const AGENT_HELP = `cohort agent --connect ws://HOST:PORT [--token T] [--mode auto|threads|processes]
    [--slots N] [--name NAME] [--heap-limit-mb 512] [--drain-grace-ms 30000] [--log-level info]
  Runs partitions on worker threads or child processes. SIGTERM drains: no new work,
  running partitions finish (bounded by --drain-grace-ms), then exit 0.`;

export async function agentCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      connect: { type: 'string' },
      token: { type: 'string' },
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
  const agent = await startAgent({
    connect: values.connect ?? '',
    ...(values.token !== undefined && { token: values.token }),
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
