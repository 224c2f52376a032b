/**
 * `pi`: estimate π by seeded Monte Carlo sampling of the unit square.
 *
 * Input `{samples, seed?}`: samples an integer in [1, 2^53), seed an integer
 * in [0, 2^32) (default 1). Partition i gets a near-equal share of the
 * samples and the seed `seed * 100003 + i`; the partition count is clamped to
 * `samples`, so no partition is empty. A partition draws points with
 * mulberry32 and counts those inside the quarter circle, so its result
 * depends on its input alone. Merge returns `{pi, samples, hits}`.
 */
import { defineTask } from '@cohort/shared';
import { intField, splitInput } from './internal/input.js';

const NAME = 'pi';
const SEED_STRIDE = 100_003;

export interface PiPart {
  samples: number;
  seed: number;
}
export interface PiPartResult {
  samples: number;
  hits: number;
}
export interface PiResult {
  pi: number;
  samples: number;
  hits: number;
}

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fold a seed below 2^53 into 32 bits, keeping both halves. */
function seed32(seed: number): number {
  return (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296), 0x9e3779b1);
}

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): PiPart[] {
    const obj = splitInput(NAME, input, n, '{samples, seed?}');
    const samples = intField(NAME, obj, 'samples', { min: 1, max: Number.MAX_SAFE_INTEGER });
    const seed = intField(NAME, obj, 'seed', { min: 0, max: 2 ** 32 - 1, default: 1 });
    const count = Math.min(n, samples);
    const share = Math.floor(samples / count);
    const extra = samples % count;
    return Array.from({ length: count }, (_, i) => ({ samples: share + (i < extra ? 1 : 0), seed: seed * SEED_STRIDE + i }));
  },
  run(part: PiPart): PiPartResult {
    const next = mulberry32(seed32(part.seed));
    let hits = 0;
    for (let i = 0; i < part.samples; i++) {
      const x = next();
      const y = next();
      if (x * x + y * y < 1) hits++;
    }
    return { samples: part.samples, hits };
  },
  merge(results: PiPartResult[]): PiResult {
    let samples = 0;
    let hits = 0;
    for (const r of results) {
      samples += r.samples;
      hits += r.hits;
    }
    return { pi: samples > 0 ? (4 * hits) / samples : Number.NaN, samples, hits };
  },
  profile: { isolation: 'auto' },
});
