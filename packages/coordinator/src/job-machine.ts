/**
 * The job status machine, as a table. No I/O: `jobTransition()` checks the
 * move and returns the new status; an illegal move throws InvalidTransition.
 *
 *   queued → running → merging → succeeded
 *   queued | running | merging → failed | cancelled
 *   queued → merging   (nothing to run: an empty job, or every result reloaded after a restart)
 */
import { FINISHED_JOB_STATUSES, isOneOf, type JobStatus } from '@cohort/shared';
import { InvalidTransition, nextState, type Table } from './machine.js';

export type JobEvent = 'start' | 'complete' | 'merged' | 'fail' | 'cancel';

export const JOB_TRANSITIONS: Table<JobStatus, JobEvent> = {
  queued: { start: 'running', complete: 'merging', fail: 'failed', cancel: 'cancelled' },
  running: { complete: 'merging', fail: 'failed', cancel: 'cancelled' },
  merging: { merged: 'succeeded', fail: 'failed', cancel: 'cancelled' },
  succeeded: {},
  failed: {},
  cancelled: {},
};

export function jobTransition(job: { readonly id: string; readonly status: JobStatus }, event: JobEvent): JobStatus {
  const to = nextState(JOB_TRANSITIONS, job.status, event);
  if (to === undefined) throw new InvalidTransition(`job ${job.id}`, job.status, event, { jobId: job.id });
  return to;
}

/** True once the job has reached a final status. */
export function isFinal(status: JobStatus): boolean {
  return isOneOf(status, FINISHED_JOB_STATUSES);
}
