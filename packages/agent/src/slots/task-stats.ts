/**
 * Per task: an EWMA of run time, deciding between batching and one-at-a-time
 * dispatch, and a quarantine count after a batch crashed a slot.
 */
import { EWMA_ALPHA, SMALL_TASK_MS } from './constants.js';

export class TaskStats {
  private readonly ewma = new Map<string, number>();
  private readonly quarantined = new Map<string, number>();

  /** Fold in `count` runs that took `totalMs` together. */
  record(task: string, totalMs: number, count: number): void {
    if (count === 0) return;
    const sample = totalMs / count;
    const prev = this.ewma.get(task);
    this.ewma.set(task, prev === undefined ? sample : prev + EWMA_ALPHA * (sample - prev));
  }

  /** Known to be short and not quarantined: batch it. Unknown tasks are not small until measured. */
  isSmall(task: string): boolean {
    if (this.quarantined.has(task)) return false;
    const ms = this.ewma.get(task);
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

  meanMs(task: string): number | undefined {
    return this.ewma.get(task);
  }
}
