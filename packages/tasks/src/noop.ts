/**
 * `noop`: the cheapest possible task, for measuring scheduling overhead.
 *
 * The input is ignored: `undefined`, `null` or any object is accepted;
 * anything else is BAD_INPUT. Every partition input is `null` and every
 * partition returns 1, so merge (a sum) is the number of partitions run.
 */
import { defineTask } from '@cohort/shared';
import { splitInput, SUMMED } from './internal/input.js';

const NAME = 'noop';

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): null[] {
    splitInput(NAME, input, n, '(or nothing); it is ignored', true);
    return new Array<null>(n).fill(null);
  },
  run(): number {
    return 1;
  },
  ...SUMMED,
});
