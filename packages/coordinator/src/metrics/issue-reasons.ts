/**
 * Why an attempt was issued, read off its partition when the `assign` that
 * carries it is sent (the scheduler has just moved it to `assigned`):
 *
 * - `first`: the partition's first attempt;
 * - `speculative`: a copy of a straggler, issued while the original still runs;
 * - `retry`: after the previous attempt failed or timed out;
 * - `requeue`: after the previous attempt was taken back (its agent was
 *   lost, handed it back, or held it past the coordinator's deadline).
 */
import type { Partition } from '../job.js';

export const ISSUE_REASONS = ['first', 'retry', 'requeue', 'speculative'] as const;
export type IssueReason = (typeof ISSUE_REASONS)[number];

/** The reason attempt `attempt` of `p` was issued; `p` as it is right after the assignment. */
export function issueReason(p: Pick<Partition, 'spare' | 'failures'> | undefined, attempt: number): IssueReason {
  if (attempt <= 1) return 'first';
  if (p === undefined) return 'requeue';
  if (p.spare !== null) return 'speculative';
  const failures = p.failures;
  if (failures !== undefined && failures.length > 0 && failures[failures.length - 1]!.attempt === attempt - 1) return 'retry';
  return 'requeue';
}
