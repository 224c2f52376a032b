/**
 * The coordinator's own health (panel 7): the event loop's delay (p50 and
 * p99 over the last second, from perf_hooks), the last journal sync, and
 * memory. The counts of results acknowledged are added by the head
 * (head.ts), which knows the journal.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The delay histogram's resolution, ms: its timer wakes the coordinator this
 * often, busy or idle. At 10 ms those 100 wake-ups a second were most of an
 * idle coordinator's CPU, taken from the slots on a small machine; at 50 ms a
 * stall of 50 ms or more is always seen, a shorter one in proportion.
 */
export const LOOP_RESOLUTION_MS = 50;

export class Health {
  private readonly loop: IntervalHistogram;
  loopDelayMs = { p50: 0, p99: 0 };
  lastSyncAt: number | null = null;
  lastSyncMs: number | null = null;

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loop.enable();
  }

  /** The journal synced, taking `seconds`. */
  synced(at: number, seconds: number): void {
    this.lastSyncAt = at;
    this.lastSyncMs = Math.round(seconds * 10_000) / 10;
  }

  /** Close the second: read the delay percentiles and start again. */
  tick(): void {
    // The histogram records each interval's length: the delay is what exceeds the resolution.
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4) / 100 - LOOP_RESOLUTION_MS) : 0);
    this.loopDelayMs = this.loop.count > 0 ? { p50: ms(this.loop.percentile(50)), p99: ms(this.loop.percentile(99)) } : { p50: 0, p99: 0 };
    this.loop.reset();
  }

  close(): void {
    this.loop.disable();
  }
}
