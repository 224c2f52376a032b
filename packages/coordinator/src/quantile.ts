/**
 * A log-bucket histogram of durations: constant memory, O(1) insert, and a
 * quantile to within about 4% (16 buckets per power of two). Used for the
 * straggler rule (k × median of the job), which must not sort a million
 * samples on every check.
 */
const SUB = 16;
const MIN_MS = 1 / 1024;
const BUCKETS = 40 * SUB; // 1/1024 ms … ~2^30 ms

export class DurationHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;

  get count(): number {
    return this.total;
  }

  add(ms: number): void {
    const v = Math.max(ms, MIN_MS) / MIN_MS;
    const i = Math.min(BUCKETS - 1, Math.floor(Math.log2(v) * SUB));
    this.counts[i]!++;
    this.total++;
  }

  /** The q-quantile (0 < q < 1), or undefined with no samples. */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return MIN_MS * 2 ** ((i + 0.5) / SUB);
    }
    return undefined;
  }
}
