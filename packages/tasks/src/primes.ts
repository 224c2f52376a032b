/**
 * `primes`: count the primes in `[from, to)`.
 *
 * Input `{from, to}`, integers with 0 ≤ from ≤ to ≤ 2^31. The range is cut
 * into contiguous near-equal ranges; when there are fewer numbers than
 * partitions, the partition count is clamped to the number of numbers (and
 * to 1 for an empty range), so no partition is empty. Each partition returns
 * its count; merge sums them.
 */
import { defineTask, splitRange } from '@cohort/shared';
import { intField, splitInput, SUMMED } from './internal/input.js';
import { countPrimes } from './internal/prime-sieve.js';

const NAME = 'primes';
const MAX = 2 ** 31;

export interface PrimesInput {
  from: number;
  to: number;
}

/** π(x) for well-known ranges, for demos and checks: primes in `[from, to)`. */
export const PRIME_COUNTS: ReadonlyArray<{ readonly from: number; readonly to: number; readonly count: number }> = [
  { from: 0, to: 10, count: 4 },
  { from: 0, to: 100, count: 25 },
  { from: 0, to: 1_000, count: 168 },
  { from: 0, to: 10_000, count: 1_229 },
  { from: 0, to: 100_000, count: 9_592 },
  { from: 0, to: 1_000_000, count: 78_498 },
  { from: 0, to: 10_000_000, count: 664_579 },
  { from: 0, to: 100_000_000, count: 5_761_455 },
];

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): PrimesInput[] {
    const obj = splitInput(NAME, input, n, '{from, to} with 0 ≤ from ≤ to ≤ 2^31');
    const from = intField(NAME, obj, 'from', { min: 0, max: MAX });
    const to = intField(NAME, obj, 'to', { min: from, max: MAX });
    return splitRange(from, to, Math.max(1, Math.min(n, to - from)));
  },
  run(part: PrimesInput): number {
    return countPrimes(part.from, part.to);
  },
  ...SUMMED,
});
