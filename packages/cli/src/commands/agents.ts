/** `cohort agents`: the coordinator's agent sessions (GET /api/agents), as a table or --json. */
import type { AgentInfo } from '@cohort/shared';
import { age, formatTable, percent, type Column } from '../table.js';
import { runVerb, VERB_ENV_HELP, type VerbSpec } from '../verb.js';

export const AGENTS_HELP = `cohort agents [--connect URL] [--token T | --token-file F] [--json]
  The agents: name, state, mode, slots, partitions held, accepted and failed, heartbeat age,
  host CPU and memory from the last load report, and the tasks escalated to processes.
  --json: {"agents": [...]}, as GET /api/agents.
${VERB_ENV_HELP}`;

export const AGENT_COLUMNS: ReadonlyArray<Column<AgentInfo>> = [
  { header: 'NAME', cell: (a) => a.name },
  { header: 'STATE', cell: (a) => a.state },
  { header: 'MODE', cell: (a) => a.mode },
  { header: 'SLOTS', cell: (a) => a.slots, right: true },
  { header: 'HELD', cell: (a) => a.held, right: true },
  { header: 'ACCEPTED', cell: (a) => a.accepted, right: true },
  { header: 'FAILED', cell: (a) => a.failed, right: true },
  { header: 'HEARTBEAT', cell: (a) => age(a.silentMs), right: true },
  { header: 'CPU', cell: (a) => percent(a.load?.cpuPercent), right: true },
  { header: 'MEM', cell: (a) => percent(a.load?.memoryPercent), right: true },
  { header: 'ESCALATED', cell: (a) => escalations(a) },
];

/** `task→process, …`, or `-`. */
function escalations(a: AgentInfo): string {
  const entries = Object.entries(a.escalated ?? {});
  return entries.length === 0 ? '-' : entries.map(([task, mode]) => `${task}→${mode}`).join(', ');
}

const AGENTS: VerbSpec = {
  name: 'agents',
  help: AGENTS_HELP,
  async run({ api }) {
    const agents = await api.agents();
    return { json: { agents }, text: formatTable(AGENT_COLUMNS, agents, '(no agents)') };
  },
};

export function agentsCommand(argv: string[]): Promise<number> {
  return runVerb(AGENTS, argv);
}
