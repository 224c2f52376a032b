/** `cohort jobs`: the coordinator's jobs (GET /api/jobs), as a table or --json. */
import type { JobSummary } from '@cohort/shared';
import { formatTable, type Column } from '../table.js';
import { runVerb, VERB_ENV_HELP, type VerbSpec } from '../verb.js';

export const JOBS_HELP = `cohort jobs [--connect URL] [--token T | --token-file F] [--json]
  The jobs the coordinator knows: id, task, status, done/total, running (started on a slot),
  queued (sent to an agent, not started), attempts and requeued. --json: {"jobs": [...]}, as GET /api/jobs.
${VERB_ENV_HELP}`;

export const JOB_COLUMNS: ReadonlyArray<Column<JobSummary>> = [
  { header: 'JOB', cell: (j) => j.jobId },
  { header: 'TASK', cell: (j) => shortTask(j.task) },
  { header: 'STATUS', cell: (j) => j.status },
  { header: 'DONE', cell: (j) => `${j.done}/${j.total}`, right: true },
  { header: 'RUNNING', cell: (j) => j.running, right: true },
  { header: 'QUEUED', cell: (j) => j.assigned, right: true },
  { header: 'ATTEMPTS', cell: (j) => j.attempts, right: true },
  { header: 'REQUEUED', cell: (j) => j.requeued, right: true },
];

/** A shipped task's ref is long: `sha256:` and its first 12 hex digits are enough to tell it. */
export function shortTask(task: unknown): string {
  const s = String(task);
  return s.startsWith('sha256:') && s.length > 19 ? `${s.slice(0, 19)}…` : s;
}

const JOBS: VerbSpec = {
  name: 'jobs',
  help: JOBS_HELP,
  async run({ api }) {
    const jobs = await api.jobs();
    return { json: { jobs }, text: formatTable(JOB_COLUMNS, jobs, '(no jobs)') };
  },
};

export function jobsCommand(argv: string[]): Promise<number> {
  return runVerb(JOBS, argv);
}
