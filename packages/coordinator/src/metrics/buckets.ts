/**
 * A histogram in plain numbers: observing is a short loop and two
 * additions, with no labels to hash. prom-client's own Histogram costs
 * about 0.7 µs an observation (it hashes the label set each time), too much
 * on the socket path at 100,000 partitions a second; the registry reads
 * these at scrape time instead (prom-histogram.ts).
 */
export class Buckets {
  /** counts[i]: observations ≤ bounds[i] and > bounds[i - 1]; the last entry counts those above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Cumulative counts, one per bound, as Prometheus's `le` buckets (the +Inf bucket is `count`). */
  cumulative(): number[] {
    const out: number[] = [];
    let running = 0;
    for (let i = 0; i < this.bounds.length; i++) out.push((running += this.counts[i]!));
    return out;
  }
}
