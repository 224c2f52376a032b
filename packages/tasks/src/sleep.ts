/**
 * `sleep`: each partition waits `ms`, for timing and capacity tests.
 *
 * Input `{ms, busy?}` with 0 ≤ ms ≤ 600000; every partition gets the same
 * input. By default a partition awaits a timer (wall time, no CPU); with
 * `busy: true` it spins the CPU for `ms` instead, never yielding, which gives
 * benchmarks an exact amount of work per slot. Each partition returns `ms`;
 * merge sums them.
 */
import { badInput, defineTask } from '@cohort/shared';
import { describe, intField, splitInput, SUMMED } from './internal/input.js';
import { burn, sleep } from './internal/time.js';

const NAME = 'sleep';
const MAX_MS = 600_000;

export interface SleepInput {
  ms: number;
  busy?: boolean;
}

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): SleepInput[] {
    const obj = splitInput(NAME, input, n, `{ms, busy?} with 0 ≤ ms ≤ ${MAX_MS}`);
    const ms = intField(NAME, obj, 'ms', { min: 0, max: MAX_MS });
    if (obj.busy !== undefined && typeof obj.busy !== 'boolean') {
      throw badInput(NAME, `busy must be a boolean, got ${describe(obj.busy)}`);
    }
    const part: SleepInput = obj.busy ? { ms, busy: true } : { ms };
    return new Array<SleepInput>(n).fill(part);
  },
  async run(part: SleepInput): Promise<number> {
    if (part.busy) burn(part.ms);
    else await sleep(part.ms);
    return part.ms;
  },
  ...SUMMED,
});
