/**
 * Counting primes in a range with a segmented sieve of Eratosthenes over odd
 * numbers. Memory is one fixed segment plus the base primes up to √to, so any
 * range below 2^31 fits; the time is about O((to − from) log log to).
 */

/** Odd numbers per segment: 64 KiB of flags, which stays in L2 cache. */
const SEGMENT_ODDS = 1 << 16;

/** Odd primes p with 3 ≤ p ≤ limit, by a plain sieve. */
export function oddPrimesUpTo(limit: number): Uint32Array {
  if (limit < 3) return new Uint32Array(0);
  const composite = new Uint8Array(limit + 1);
  const out: number[] = [];
  for (let p = 3; p <= limit; p += 2) {
    if (composite[p]) continue;
    out.push(p);
    for (let m = p * p; m <= limit; m += 2 * p) composite[m] = 1;
  }
  return Uint32Array.from(out);
}

/** The number of primes in `[from, to)`, for integers 0 ≤ from ≤ to ≤ 2^31 (or so). */
export function countPrimes(from: number, to: number): number {
  let count = from <= 2 && 2 < to ? 1 : 0;
  let lo = Math.max(from, 3);
  if (lo % 2 === 0) lo++;
  if (lo >= to) return count;

  const base = oddPrimesUpTo(Math.floor(Math.sqrt(to - 1)));
  const flags = new Uint8Array(SEGMENT_ODDS);
  for (let segLo = lo; segLo < to; segLo += 2 * SEGMENT_ODDS) {
    // Slot j stands for the odd number segLo + 2j.
    const len = Math.min(SEGMENT_ODDS, Math.ceil((to - segLo) / 2));
    const segEnd = segLo + 2 * len; // exclusive
    flags.fill(0, 0, len);
    for (let k = 0; k < base.length; k++) {
      const p = base[k]!;
      const square = p * p;
      if (square >= segEnd) break;
      let m = Math.max(square, Math.ceil(segLo / p) * p);
      if (m % 2 === 0) m += p;
      for (let j = (m - segLo) / 2; j < len; j += p) flags[j] = 1;
    }
    for (let j = 0; j < len; j++) if (flags[j] === 0) count++;
  }
  return count;
}
