/** `cohort status`: the cluster summary and the agents table, from GET /api/agents and GET /api/jobs. */
import { statusSummary, summaryText } from '../cluster-summary.js';
import { formatTable } from '../table.js';
import { runVerb, VERB_ENV_HELP, type VerbSpec } from '../verb.js';
import { AGENT_COLUMNS } from './agents.js';

export const STATUS_HELP = `cohort status [--connect URL] [--token T | --token-file F] [--json]
  The cluster at a glance: agents by state, slots of live agents by mode, jobs running and
  queued, then the agents table (as cohort agents). --json: {"summary": {...}, "agents": [...]}.
${VERB_ENV_HELP}`;

const STATUS: VerbSpec = {
  name: 'status',
  help: STATUS_HELP,
  async run({ api, target }) {
    const [agents, jobs] = await Promise.all([api.agents(), api.jobs()]);
    const summary = statusSummary(agents, jobs);
    const text = `coordinator ${target.url}\n${summaryText(summary)}\n\n${formatTable(AGENT_COLUMNS, agents, '(no agents)')}`;
    return { json: { summary, agents }, text };
  },
};

export function statusCommand(argv: string[]): Promise<number> {
  return runVerb(STATUS, argv);
}
