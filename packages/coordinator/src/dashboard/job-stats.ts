/**
 * What the view counts of each running job: its partitions done per block of
 * the grid (at most DASHBOARD_LIMITS.gridBlocks blocks, so a job of a
 * million partitions costs 4 KB here), and its recent rate for the ETA.
 * O(1) per result. Kept while the job runs, and for the most recently
 * finished jobs (the job list's).
 */
import { DASHBOARD_LIMITS } from '@cohort/shared';

/** Seconds of history behind a job's rate. */
export const JOB_RATE_SECONDS = 5;

export class JobStats {
  readonly blockSize: number;
  readonly done: Int32Array;
  /** Done in each of the last JOB_RATE_SECONDS seconds (a ring) with when each began, and in the current one. */
  private readonly perSecond = new Int32Array(JOB_RATE_SECONDS);
  private readonly began = new Float64Array(JOB_RATE_SECONDS);
  private second = 0;
  private seconds = 0;
  private current = 0;
  private currentSince: number;

  constructor(
    readonly partitions: number,
    now: number,
  ) {
    this.blockSize = Math.max(1, Math.ceil(partitions / DASHBOARD_LIMITS.gridBlocks));
    this.done = new Int32Array(Math.max(0, Math.ceil(partitions / this.blockSize)));
    this.currentSince = now;
  }

  accepted(partition: number): void {
    const block = Math.floor(partition / this.blockSize);
    if (block >= 0 && block < this.done.length) this.done[block]!++;
    this.current++;
  }

  /** Results reloaded from the journal after a restart were never observed: counted in the grid once, not in the rate. */
  seeded = false;

  /** Count the first `recovered` of `accepted` (a restored job's reloaded results) in the grid, once. */
  seedRecovered(accepted: readonly number[], recovered: number): void {
    if (this.seeded) return;
    this.seeded = true;
    for (let i = 0; i < recovered && i < accepted.length; i++) {
      const block = Math.floor(accepted[i]! / this.blockSize);
      if (block < this.done.length) this.done[block]!++;
    }
  }

  /** Close the current second (the view's timer). */
  tick(now: number): void {
    this.perSecond[this.second] = this.current;
    this.began[this.second] = this.currentSince;
    this.second = (this.second + 1) % JOB_RATE_SECONDS;
    this.seconds = Math.min(this.seconds + 1, JOB_RATE_SECONDS);
    this.current = 0;
    this.currentSince = now;
  }

  /** Partitions per second since the oldest second kept began (a few seconds, or since the job was submitted). */
  rate(now: number): number {
    let sum = this.current;
    let since = this.currentSince;
    for (let i = 0; i < this.seconds; i++) {
      sum += this.perSecond[i]!;
      since = Math.min(since, this.began[i]!);
    }
    const ms = now - since;
    return ms < 250 ? 0 : Math.round((sum * 10_000) / ms) / 10;
  }
}
