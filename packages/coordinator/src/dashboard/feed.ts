/**
 * The event feed (panel 5) and each job's log (`cohort logs`): bounded rings
 * of plain-word lines (feed-text.ts).
 *
 * Repeats are held back: of one kind of line about one job (failed attempts,
 * speculative copies…), at most FEED_BURST per second reach the feed; the
 * rest are counted and said in one line at the end of the second ("12 more
 * failed attempts of job j_…"). A job whose every partition fails costs the
 * feed a few lines a second, not one per partition.
 */
import { DASHBOARD_LIMITS, type FeedItem } from '@cohort/shared';
import { moreLine, type FeedLine } from './feed-text.js';
import { Ring } from './ring.js';

/** Lines of one kind about one job let through per second; the rest are counted. */
export const FEED_BURST = 5;
/** Job logs kept: finished jobs' logs go first, oldest first, past this (and with the job, once the coordinator forgets it). */
export const MAX_JOB_LOGS = 256;
/** Distinct (job, kind) pairs counted in one second; past it, repeats are dropped uncounted. */
const MAX_HELD_KEYS = 1024;

interface JobLogRing {
  items: Ring<FeedItem>;
  finished: boolean;
}

export class Feed {
  readonly items = new Ring<FeedItem>(DASHBOARD_LIMITS.feed);
  private readonly logs = new Map<string, JobLogRing>();
  /** Lines let through this second, and those held back, per `jobId\0kind`. */
  private readonly counts = new Map<string, number>();
  private readonly held = new Map<string, { jobId: string; what: string; count: number }>();

  /** Add a line now. */
  add(at: number, line: FeedLine): void {
    const item: FeedItem = { seq: this.items.total + 1, at, ...line };
    this.items.push(item);
    if (line.jobId !== undefined) this.logOf(line.jobId).items.push(item);
  }

  /**
   * True when a line of `what` about `jobId` may go out now (FEED_BURST a
   * second); else it is counted for `flushHeld`, and the caller builds no line.
   */
  admits(jobId: string, what: string): boolean {
    const key = `${jobId}\u0000${what}`;
    const sent = this.counts.get(key) ?? 0;
    if (sent < FEED_BURST) {
      if (sent === 0 && this.counts.size >= MAX_HELD_KEYS) return false;
      this.counts.set(key, sent + 1);
      return true;
    }
    const h = this.held.get(key);
    if (h) h.count++;
    else this.held.set(key, { jobId, what, count: 1 });
    return false;
  }

  /** The end of a second: say what was held back, and start counting again. */
  flushHeld(at: number): void {
    for (const { jobId, what, count } of this.held.values()) this.add(at, moreLine(jobId, count, what));
    this.held.clear();
    this.counts.clear();
  }

  /** The job ended: its log is the first to go when there are too many. */
  finished(jobId: string): void {
    const log = this.logs.get(jobId);
    if (log) log.finished = true;
  }

  /** The log of `jobId`, oldest first; undefined when none is kept. */
  log(jobId: string): FeedItem[] | undefined {
    return this.logs.get(jobId)?.items.all();
  }

  /** Drop the logs of finished jobs that `keep` says are forgotten. */
  prune(keep: (jobId: string) => boolean): void {
    for (const [jobId, log] of this.logs) if (log.finished && !keep(jobId)) this.logs.delete(jobId);
  }

  private logOf(jobId: string): JobLogRing {
    let log = this.logs.get(jobId);
    if (log) return log;
    if (this.logs.size >= MAX_JOB_LOGS) this.evictOne();
    this.logs.set(jobId, (log = { items: new Ring<FeedItem>(DASHBOARD_LIMITS.feed), finished: false }));
    return log;
  }

  /** The oldest finished job's log, else the oldest. */
  private evictOne(): void {
    for (const [jobId, log] of this.logs) {
      if (log.finished) return void this.logs.delete(jobId);
    }
    this.logs.delete(this.logs.keys().next().value!);
  }
}
