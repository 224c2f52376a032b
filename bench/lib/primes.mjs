/**
 * Sizing `primes` partitions by measurement: time the sieve on this machine
 * and pick the range width that takes `targetMs` per partition.
 */
import { countPrimes } from '@cohort/tasks/internal/prime-sieve';
import { median } from './stats.mjs';

/** Width of a `[from, from+width)` range that takes about `targetMs` on one core, measured around `near`. */
export function primesWidthFor(targetMs, near = 0, probe = 4_000_000) {
  countPrimes(near, near + probe); // warm up
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    countPrimes(near, near + probe);
    times.push(performance.now() - t0);
  }
  const msPerNumber = median(times) / probe;
  return { width: Math.round(targetMs / msPerNumber), msPer1e7: msPerNumber * 1e7 };
}

/** `n` primes partitions of about `targetMs` each, as contiguous ranges from 0 (sized in the middle of the span). */
export function primesRanges(n, targetMs) {
  let { width, msPer1e7 } = primesWidthFor(targetMs, 0);
  // Larger numbers cost a little more (more sieving primes): re-measure halfway up.
  // Measure again at the real width (the per-number cost falls as ranges grow), halfway up.
  ({ width, msPer1e7 } = primesWidthFor(targetMs, Math.floor((n * width) / 2), width));
  const ranges = Array.from({ length: n }, (_, i) => ({ from: i * width, to: (i + 1) * width }));
  return { ranges, width, msPer1e7, total: { from: 0, to: n * width } };
}
