/**
 * `shared-sum`: sum the elements `[from, to)` of the job's shared value
 * (`ctx.shared`), for the shared-input test and bench.
 *
 * Input `{from?, to}`, integers with 0 ≤ from ≤ to ≤ 2^40 (from defaults
 * to 0): element indexes, not bytes. The range is cut into contiguous
 * near-equal ranges (clamped like `primes`, so none is empty). A partition
 * adds its elements of the shared value: a Uint8Array (raw bytes) or any
 * typed array (float64, int32…, bigint arrays as Numbers), or a JSON array
 * of numbers. A range past the end, or no shared value, is BAD_INPUT.
 * Merge returns `{sum, count}`. The profile says `sharedInput`, so in auto
 * mode the task runs on threads, which read the value with no copy.
 */
import { badInput, defineTask, splitRange } from '@cohort/shared';
import { intField, splitInput } from './internal/input.js';

const NAME = 'shared-sum';
const MAX_INDEX = 2 ** 40;

export interface SharedSumPart {
  from: number;
  to: number;
}
export interface SharedSumResult {
  sum: number;
  count: number;
}

type Numbers = ArrayLike<number | bigint>;

function elementsOf(shared: unknown): Numbers {
  if (ArrayBuffer.isView(shared) && !(shared instanceof DataView)) return shared as unknown as Numbers;
  if (Array.isArray(shared) && shared.every((x) => typeof x === 'number')) return shared;
  throw badInput(NAME, "needs a shared value: bytes, a typed array or a JSON array of numbers (the job's `shared`)");
}

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): SharedSumPart[] {
    const obj = splitInput(NAME, input, n, '{from?, to}');
    const from = intField(NAME, obj, 'from', { min: 0, max: MAX_INDEX, default: 0 });
    const to = intField(NAME, obj, 'to', { min: from, max: MAX_INDEX });
    return splitRange(from, to, Math.max(1, Math.min(n, to - from)));
  },
  run(part: SharedSumPart, ctx): SharedSumResult {
    const xs = elementsOf(ctx.shared);
    if (part.to > xs.length) throw badInput(NAME, `range [${part.from}, ${part.to}) is past the ${xs.length} elements of the shared value`);
    let sum = 0;
    if (typeof xs[0] === 'bigint') for (let i = part.from; i < part.to; i++) sum += Number(xs[i]);
    else {
      const nums = xs as ArrayLike<number>;
      for (let i = part.from; i < part.to; i++) sum += nums[i] as number;
    }
    return { sum, count: part.to - part.from };
  },
  merge(results: SharedSumResult[]): SharedSumResult {
    let sum = 0;
    let count = 0;
    for (const r of results) {
      sum += r.sum;
      count += r.count;
    }
    return { sum, count };
  },
  profile: { isolation: 'auto', sharedInput: true },
});
