/**
 * `flaky` (drill): every partition fails its first attempts and then succeeds,
 * to exercise retries.
 *
 * Input `{failAttempts?}` (or nothing), an integer in [0, 100], default 1.
 * Attempts count from 1 (`ctx.attempt`): a partition throws a CohortError with
 * code TASK_ERROR while `attempt ≤ failAttempts`, and returns 1 after that.
 * This is the one built-in whose result depends on the attempt as well as
 * the partition input, by design. Merge sums.
 */
import { CohortError, defineTask, ErrorCode, type RunContext } from '@cohort/shared';
import { intField, splitInput, SUMMED } from './internal/input.js';

const NAME = 'flaky';

export interface FlakyPart {
  failAttempts: number;
}

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): FlakyPart[] {
    const obj = splitInput(NAME, input, n, '{failAttempts?}', true);
    const failAttempts = intField(NAME, obj, 'failAttempts', { min: 0, max: 100, default: 1 });
    return new Array<FlakyPart>(n).fill({ failAttempts });
  },
  run(part: FlakyPart, ctx: RunContext): number {
    if (ctx.attempt <= part.failAttempts) {
      throw new CohortError(ErrorCode.TASK_ERROR, `flaky partition ${ctx.partition} fails attempt ${ctx.attempt} of the first ${part.failAttempts}`, {
        details: { partition: ctx.partition, attempt: ctx.attempt, failAttempts: part.failAttempts },
      });
    }
    return 1;
  },
  ...SUMMED,
});
