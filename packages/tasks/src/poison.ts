/**
 * `poison` (drill): the chosen partitions fail on every attempt, to exercise
 * the path where a job fails and names the partition.
 *
 * Input `{bad}`: the partition indices that fail (each in [0, n), may be
 * empty). A bad partition throws a plain `Error('poison partition N')`, the
 * same way on every attempt; the others return 1. Merge sums.
 */
import { defineTask } from '@cohort/shared';
import { partitionSet, splitInput, SUMMED } from './internal/input.js';

const NAME = 'poison';

/** A partition: its index, and whether it fails. */
export type PoisonPart = { index: number; bad: boolean };

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): PoisonPart[] {
    const obj = splitInput(NAME, input, n, '{bad: number[]}');
    const bad = partitionSet(NAME, obj, 'bad', n, 'required');
    return Array.from({ length: n }, (_, index) => ({ index, bad: bad.has(index) }));
  },
  run(part: PoisonPart): number {
    if (part.bad) throw new Error(`poison partition ${part.index}`);
    return 1;
  },
  ...SUMMED,
});
