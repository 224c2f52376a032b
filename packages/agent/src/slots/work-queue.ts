/**
 * The pool's queue: one FIFO deque per job, jobs in arrival order. A batch
 * takes a run of one job's partitions even when the coordinator's assign
 * messages interleave several jobs, so batches stay large; and a job whose
 * slot kind is all busy does not block a job of the other kind behind it.
 * Every operation is O(1) per partition, except cancel (O(that job)).
 */
import { Deque } from '@cohort/shared/internal';
import type { PartitionWork } from './types.js';

export class WorkQueue {
  private readonly jobs = new Map<string, Deque<PartitionWork>>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(w: PartitionWork): void {
    let q = this.jobs.get(w.jobId);
    if (!q) this.jobs.set(w.jobId, (q = new Deque<PartitionWork>()));
    q.push(w);
    this.count++;
  }

  /** Put partitions back at the front of their job's queue, in order. */
  unshiftAll(items: readonly PartitionWork[]): void {
    for (let i = items.length - 1; i >= 0; i--) {
      const w = items[i] as PartitionWork;
      let q = this.jobs.get(w.jobId);
      if (!q) this.jobs.set(w.jobId, (q = new Deque<PartitionWork>()));
      q.unshift(w);
      this.count++;
    }
  }

  /** The first partition of each job, jobs in arrival order. */
  *heads(): IterableIterator<PartitionWork> {
    for (const q of this.jobs.values()) yield q.peek() as PartitionWork;
  }

  /** How many partitions `jobId` has queued. */
  jobLength(jobId: string): number {
    return this.jobs.get(jobId)?.length ?? 0;
  }

  /** Take up to `max` partitions from the front of `jobId`'s queue, while `fits` holds (the first is always taken). */
  take(jobId: string, max: number, fits: (w: PartitionWork) => boolean): PartitionWork[] {
    const q = this.jobs.get(jobId);
    if (!q) return [];
    const items: PartitionWork[] = [q.shift() as PartitionWork];
    while (items.length < max && q.length > 0 && fits(q.peek() as PartitionWork)) items.push(q.shift() as PartitionWork);
    this.count -= items.length;
    if (q.length === 0) this.jobs.delete(jobId);
    return items;
  }

  /** Remove the partitions of `jobId` that `hit` matches (all of them when absent); returns them. */
  remove(jobId: string, hit?: (w: PartitionWork) => boolean): PartitionWork[] {
    const q = this.jobs.get(jobId);
    if (!q) return [];
    const removed = hit ? q.filter((w) => !hit(w)) : q.drain();
    this.count -= removed.length;
    if (q.length === 0) this.jobs.delete(jobId);
    return removed;
  }

  /** Remove the partitions, of any job, that `hit` matches. O(length). */
  removeWhere(hit: (w: PartitionWork) => boolean): PartitionWork[] {
    const removed: PartitionWork[] = [];
    for (const jobId of [...this.jobs.keys()]) removed.push(...this.remove(jobId, hit));
    return removed;
  }

  clear(): PartitionWork[] {
    return this.removeWhere(() => true);
  }
}
