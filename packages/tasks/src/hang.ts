/**
 * `hang` (drill): the chosen partitions spin the CPU in a synchronous busy
 * loop that never yields to the event loop, so the slot cannot answer
 * anything until it is terminated (or, with `ms`, until the time is up).
 *
 * Input `{partitions?, ms?}` (or nothing): `partitions` are the indices that
 * hang (each in [0, n)), default all; `ms`, an integer in [0, 86400000],
 * bounds the spin, default forever. Every partition that returns, returns 1;
 * merge sums them.
 */
import { defineTask } from '@cohort/shared';
import { intField, partitionSet, splitInput, SUMMED } from './internal/input.js';
import { burn, spinForever } from './internal/time.js';

const NAME = 'hang';
const MAX_MS = 86_400_000;

/** A partition: whether it hangs, and for how long (`ms` absent: forever). */
export type HangPart = { hang: boolean; ms?: number };

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): HangPart[] {
    const obj = splitInput(NAME, input, n, '{partitions?, ms?}', true);
    const ms = obj.ms === undefined ? undefined : intField(NAME, obj, 'ms', { min: 0, max: MAX_MS });
    const hanging = partitionSet(NAME, obj, 'partitions', n, 'all');
    return Array.from({ length: n }, (_, i) => {
      if (!hanging.has(i)) return { hang: false };
      return ms === undefined ? { hang: true } : { hang: true, ms };
    });
  },
  run(part: HangPart): number {
    if (part.hang) {
      if (part.ms === undefined) spinForever();
      burn(part.ms);
    }
    return 1;
  },
  ...SUMMED,
});
