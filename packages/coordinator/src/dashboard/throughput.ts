/**
 * The throughput chart (panel 6): accepted partitions per second, one sample
 * every half second in a ring of ten minutes, and markers where agents joined
 * or were lost. Counting is O(1) per result; the sample is taken by the
 * view's timer.
 */
import { clip, DASHBOARD_LIMITS, type ThroughputMarker, type ThroughputSample } from '@cohort/shared';
import { Ring } from './ring.js';

/** Markers kept (agents joining and leaving). */
export const MAX_MARKERS = 200;

export class Throughput {
  readonly samples = new Ring<ThroughputSample>(DASHBOARD_LIMITS.throughput);
  readonly markers = new Ring<ThroughputMarker>(MAX_MARKERS);
  /** Accepted since the last sample. */
  private count = 0;
  private sampledAt: number;
  /** The last full window: its count and when it started. */
  private previousCount = 0;
  private previousAt: number;
  /** Accepted since start. */
  accepted = 0;

  constructor(now: number) {
    this.sampledAt = now;
    this.previousAt = now;
  }

  add(n = 1): void {
    this.count += n;
    this.accepted += n;
  }

  mark(at: number, kind: ThroughputMarker['kind'], agent: string): void {
    this.markers.push({ at, kind, agent: clip(agent, 64) });
  }

  /** Close the current window: one sample. */
  sample(now: number): void {
    const elapsed = Math.max(1, now - this.sampledAt);
    this.samples.push({ at: now, rate: round((this.count * 1000) / elapsed) });
    this.previousCount = this.count;
    this.previousAt = this.sampledAt;
    this.count = 0;
    this.sampledAt = now;
  }

  /** Partitions per second now: over the last full window and the part of this one. */
  rate(now: number): number {
    const elapsed = now - this.previousAt;
    return elapsed <= 0 ? 0 : round(((this.previousCount + this.count) * 1000) / elapsed);
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
