/**
 * The task stream (panel 4): the newest attempts as bars in a bounded ring,
 * on lanes assigned here (lanes.ts).
 *
 * Sampling. At tens of thousands of results a second, keeping every bar
 * would rewrite the 600-bar ring many times between two 250 ms updates, for
 * bars no one sees. So bars are kept per window of DASHBOARD_UPDATE_MS:
 * - plain successes ('ok') are sampled evenly: every k-th, with k the last
 *   window's count over BARS_PER_WINDOW, and never more than BARS_PER_WINDOW
 *   in one window: the ring always spans at least four windows (about a
 *   second), and a 10-partition job keeps every bar;
 * - the others (failed, timed out, requeued, speculative, cancelled) are the
 *   news and are all kept, up to BARS_PER_WINDOW of them per window (a job
 *   cancelled with thousands in flight does not flush the ring).
 * What was skipped is counted (`sampledOut`).
 */
import { DASHBOARD_LIMITS, DASHBOARD_UPDATE_MS, type AttemptBar } from '@cohort/shared';
import type { Observation } from '../observations.js';
import { Lanes } from './lanes.js';
import { Ring } from './ring.js';

/** Bars of each kind (successes; the rest) kept per window at most. */
export const BARS_PER_WINDOW = Math.floor(DASHBOARD_LIMITS.bars / 4);

type AttemptObservation = Extract<Observation, { kind: 'attempt' }>;

export class TaskStream {
  readonly bars = new Ring<AttemptBar>(DASHBOARD_LIMITS.bars);
  private readonly lanes = new Lanes(DASHBOARD_LIMITS.agents * 4);
  private windowStart = 0;
  private okSeen = 0;
  private okKept = 0;
  private newsKept = 0;
  private stride = 1;
  /** Bars not kept by the sampling. */
  sampledOut = 0;

  /** One attempt ended on `agent` (printable), which has `slots` (the most lanes it gets). O(1), plus O(slots) for a bar kept. */
  add(o: AttemptObservation, agent: string, slots: number): void {
    if (o.at - this.windowStart >= DASHBOARD_UPDATE_MS) this.nextWindow(o.at);
    if (o.outcome === 'ok') {
      if (this.okSeen++ % this.stride !== 0 || this.okKept >= BARS_PER_WINDOW) return void this.sampledOut++;
      this.okKept++;
    } else {
      if (this.newsKept >= BARS_PER_WINDOW) return void this.sampledOut++;
      this.newsKept++;
    }
    const startedAt = Math.min(o.startedAt, o.at);
    this.bars.push({
      seq: this.bars.total + 1,
      agent,
      lane: this.lanes.assign(agent, slots, startedAt, o.at),
      jobId: o.jobId,
      partition: o.partition,
      attempt: o.attempt,
      mode: o.mode,
      startedAt,
      endedAt: o.at,
      outcome: o.outcome,
    });
  }

  /** The agent is gone: its lanes start afresh if it returns. */
  forget(agent: string): void {
    this.lanes.forget(agent);
  }

  private nextWindow(now: number): void {
    // A window with no results in between (an idle cluster) starts the count over.
    const seen = now - this.windowStart < 2 * DASHBOARD_UPDATE_MS ? this.okSeen : 0;
    this.stride = Math.max(1, Math.ceil(seen / BARS_PER_WINDOW));
    this.windowStart = now;
    this.okSeen = 0;
    this.okKept = 0;
    this.newsKept = 0;
  }
}
