/**
 * One room of `people`, each with a birthday drawn from `rng`: does any day
 * come up twice? Pure: the answer depends only on the generator's state.
 */
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export const DAYS_IN_YEAR = 365;

export function roomHasSharedBirthday(rng: RandomGenerator, people: number, days = DAYS_IN_YEAR): boolean {
  const seen = new Uint8Array(days);
  for (let i = 0; i < people; i++) {
    const day = uniformInt(rng, 0, days - 1);
    if (seen[day] === 1) return true;
    seen[day] = 1;
  }
  return false;
}

/** The exact probability, for comparison: 1 − (days/days)·((days−1)/days)·…·((days−people+1)/days). */
export function exactProbability(people: number, days = DAYS_IN_YEAR): number {
  let none = 1;
  for (let k = 0; k < people; k++) none *= (days - k) / days;
  return 1 - none;
}
