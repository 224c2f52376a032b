/**
 * Fair share between jobs (`scheduling: 'fair'`): how one agent's free credit
 * is split between the active jobs that have partitions waiting. Like
 * Spark's FAIR mode, a job's share is weighted by its priority (LIMITS.priority,
 * 1 when absent), and a job that holds less than its share is served first.
 *
 * Two passes, both O(active jobs) plus O(1) per partition assigned:
 * 1. Share: every job may grow to its weighted share of what the open jobs
 *    hold plus this quota (`inflight`, on every agent). A job submitted behind
 *    a big one holds nothing, so it takes the credit that the big one's
 *    results free, until it holds its share.
 * 2. Remainder (rounding, jobs out of waiting work): deficit round robin,
 *    quantum = priority, with a cursor and deficits kept across calls, so
 *    the order never resets and no job is starved, even when the whole
 *    window turns over at each result.
 * Each job's partitions for one agent are taken through `take`, which the
 * scheduler turns into one assign batch per agent and job.
 */
import type { Job } from './job.js';

export type SchedulingMode = 'fair' | 'fifo';
export const SCHEDULING_MODES: readonly SchedulingMode[] = ['fair', 'fifo'];
/** Jobs share the slots by priority unless the coordinator is told `fifo` (first come, first served). */
export const DEFAULT_SCHEDULING: SchedulingMode = 'fair';

/** Takes up to `n` waiting partitions of `job` for the agent being filled; returns how many it took. */
export type Take = (job: Job, n: number) => number;

export const weightOf = (job: Job): number => job.spec.priority ?? 1;

export class FairShare {
  /** Where the next round starts: an index into the active jobs (modulo their number). */
  private cursor = 0;
  /** Deficit round robin's unspent turns, per job (dropped with the job). */
  private readonly deficit = new WeakMap<Job, number>();

  /** Fill up to `quota` partitions for one agent from the jobs in `active` that have work waiting. */
  fill(active: readonly Job[], quota: number, take: Take): void {
    const open = this.openJobs(active);
    if (open.length === 0 || quota <= 0) return;
    const left = quota - this.shares(open, quota, take);
    if (left > 0) this.roundRobin(open, left, take);
    else this.cursor = (this.cursor + 1) % active.length; // ties go to the next job next time
  }

  /** The jobs with waiting work, starting at the cursor, with their index in `active`. */
  private openJobs(active: readonly Job[]): Array<{ job: Job; at: number }> {
    const n = active.length;
    const open: Array<{ job: Job; at: number }> = [];
    for (let k = 0; k < n; k++) {
      const at = (this.cursor + k) % n;
      const job = active[at] as Job;
      if (job.waiting > 0) open.push({ job, at });
    }
    return open;
  }

  /** Pass 1: each job up to its weighted share of what the open jobs hold plus `quota`, the least served first. Returns how many were taken. */
  private shares(open: Array<{ job: Job; at: number }>, quota: number, take: Take): number {
    let held = 0;
    let weight = 0;
    for (const { job } of open) {
      held += job.inflight.size;
      weight += weightOf(job);
    }
    const level = (held + quota) / weight;
    // Stable sort: jobs served equally keep the cursor's order.
    const order = open.length > 1 ? open.slice().sort((a, b) => a.job.inflight.size / weightOf(a.job) - b.job.inflight.size / weightOf(b.job)) : open;
    let taken = 0;
    for (const { job } of order) {
      if (taken === quota) break;
      const want = Math.floor(level * weightOf(job)) - job.inflight.size;
      if (want > 0) taken += take(job, Math.min(quota - taken, want));
    }
    return taken;
  }

  /** Pass 2: deficit round robin from the cursor; the cursor stays on a job with turns left. Returns what is left of `left`. */
  private roundRobin(open: Array<{ job: Job; at: number }>, left: number, take: Take): number {
    let i = 0;
    while (left > 0 && open.length > 0) {
      const { job, at } = open[i] as { job: Job; at: number };
      let d = this.deficit.get(job) ?? 0;
      if (d < 1) d += weightOf(job);
      const want = Math.min(left, d);
      const got = take(job, want);
      left -= got;
      if (got < want) {
        // Nothing more waiting: out of this round, with no turns saved (DRR drops an empty queue's deficit).
        this.deficit.delete(job);
        open.splice(i, 1);
        if (i >= open.length) i = 0;
        continue;
      }
      d -= got;
      this.deficit.set(job, d);
      this.cursor = at;
      if (d < 1) {
        i = (i + 1) % open.length;
        this.cursor = (open[i] as { at: number }).at;
      }
    }
    return left;
  }
}
