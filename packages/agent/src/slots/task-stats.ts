/**
 * Run-time averages and crash quarantine, deciding between batching and
 * one-at-a-time dispatch. The average is kept per job (the same task can be
 * tiny in one job and long in the next: `sleep`, `primes` with other ranges);
 * quarantine is per task, since a task that crashed a slot may crash again.
 */
import { EWMA_ALPHA, SMALL_TASK_MS } from './constants.js';

/** Jobs whose averages are remembered; the oldest is forgotten past this. */
export const MAX_TRACKED_JOBS = 1000;

export class TaskStats {
  private readonly ewma = new Map<string, number>();
  private readonly quarantined = new Map<string, number>();

  /** Fold in `count` runs of one job that took `totalMs` together. */
  record(jobId: string, totalMs: number, count: number): void {
    if (count === 0) return;
    const sample = totalMs / count;
    const prev = this.ewma.get(jobId);
    if (prev === undefined && this.ewma.size >= MAX_TRACKED_JOBS) this.ewma.delete(this.ewma.keys().next().value!);
    this.ewma.set(jobId, prev === undefined ? sample : prev + EWMA_ALPHA * (sample - prev));
  }

  /** Known to be short and not quarantined: batch it. A job is not small until measured. */
  isSmall(task: string, jobId: string): boolean {
    if (this.quarantined.has(task)) return false;
    const ms = this.ewma.get(jobId);
    return ms !== undefined && ms < SMALL_TASK_MS;
  }

  /**
   * A batch of `count` unreported partitions crashed its slot, and nobody can
   * tell which one did it. Dispatch the task's next `count` partitions one at
   * a time: the culprit then crashes alone and takes the blame.
   */
  quarantine(task: string, count: number): void {
    this.quarantined.set(task, Math.max(count, this.quarantined.get(task) ?? 0));
  }

  /** One partition of `task` went out alone. */
  dispatchedAlone(task: string): void {
    const left = this.quarantined.get(task);
    if (left === undefined) return;
    if (left <= 1) this.quarantined.delete(task);
    else this.quarantined.set(task, left - 1);
  }
}
