/**
 * The longest Collatz chain below `to`: each partition searches its range
 * and returns its best start; merge keeps the best of all. Ranges of equal
 * size take unequal time, so results arrive out of order.
 */
import { badInput, defineTask, splitRange } from '@cohort/sdk';

interface Input {
  from: number;
  to: number;
}

interface Best {
  start: number;
  steps: number;
}

/** Steps for `n` to reach 1 (n → n/2 if even, 3n+1 if odd). */
function collatzSteps(n: number): number {
  let steps = 0;
  for (let x = n; x !== 1; steps++) x = x % 2 === 0 ? x / 2 : 3 * x + 1;
  return steps;
}

export default defineTask({
  name: 'collatz',

  split(input: Input, n: number): Input[] {
    const { from, to } = input ?? ({} as Input);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || to <= from || to > 1e8) {
      throw badInput('collatz', 'input must be {from, to} with 1 <= from < to <= 1e8 (past that, a chain can leave the safe integers)');
    }
    return splitRange(from, to, Math.min(n, to - from));
  },

  run({ from, to }: Input): Best {
    let best: Best = { start: from, steps: -1 };
    for (let start = from; start < to; start++) {
      const steps = collatzSteps(start);
      if (steps > best.steps) best = { start, steps };
    }
    return best;
  },

  merge(results: Best[]): Best {
    // Ties go to the smaller start, whatever order the results came in.
    return results.reduce((a, b) => (b.steps > a.steps || (b.steps === a.steps && b.start < a.start) ? b : a));
  },

  profile: { isolation: 'thread' },
});
