/** `cohort cancel JOB`: cancel a job (DELETE /api/jobs/:id) and say how it ended. */
import { FINISHED_JOB_STATUSES, isOneOf, printable } from '@cohort/shared';
import { jobIdArgument } from '../connect-target.js';
import { runVerb, VERB_ENV_HELP, type VerbSpec } from '../verb.js';

export const CANCEL_HELP = `cohort cancel JOB [--connect URL] [--token T | --token-file F] [--json]
  Cancels the job: its partitions stop where they run. A job that had already finished is
  reported as it ended (exit 0); an unknown id is NOT_FOUND (exit 1).
  --json: {"jobId", "task", "status", "done", "partitions", "alreadyFinished"}.
${VERB_ENV_HELP}`;

const CANCEL: VerbSpec = {
  name: 'cancel',
  help: CANCEL_HELP,
  async run({ api, positionals }) {
    const jobId = jobIdArgument(positionals[0]);
    const before = await api.report(jobId);
    const alreadyFinished = isOneOf(before.status, FINISHED_JOB_STATUSES);
    const after = alreadyFinished ? before : await api.cancel(jobId);
    const id = printable(after.jobId);
    const text = alreadyFinished
      ? `job ${id} had already ${printable(after.status === 'cancelled' ? 'been cancelled' : after.status)}: nothing to cancel\n`
      : `job ${id} ${printable(after.status)} (${printable(after.done)}/${printable(after.partitions)} partitions done)\n`;
    return {
      json: { jobId: after.jobId, task: after.task, status: after.status, done: after.done, partitions: after.partitions, alreadyFinished },
      text,
    };
  },
};

export function cancelCommand(argv: string[]): Promise<number> {
  return runVerb(CANCEL, argv);
}
