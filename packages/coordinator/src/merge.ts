/**
 * Merging a job whose every partition is in: the task's `merge` over the
 * partition values, in order. A result that cannot be stored or sent (a
 * cycle, a class, nesting past the value model) fails the job here, with its
 * code: otherwise its end could never be journaled, and its watchers would
 * wait forever. No I/O; the executor runs it off the socket path.
 */
import { CohortError, ErrorCode, encodeValue, toWireError } from '@cohort/shared';
import type { MergeOutcome } from './effects.js';
import type { Job } from './job.js';

export function mergeJob(job: Job): MergeOutcome {
  try {
    if (!job.task) throw new CohortError(ErrorCode.INTERNAL, `no task module for job ${job.id}`);
    const result = job.task.merge(job.partitions.map((p) => p.value));
    encodeValue(result, { root: 'merge result' });
    return { result };
  } catch (err) {
    const wire = toWireError(err, ErrorCode.TASK_ERROR);
    return { error: { ...wire, message: `merge failed: ${wire.message}` } };
  }
}
