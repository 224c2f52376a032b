/**
 * `slow` (drill): a few partitions take much longer than the rest, to
 * exercise straggler detection and speculative copies.
 *
 * Input `{ms, slow, slowMs}`: partitions listed in `slow` (indices in [0, n),
 * may be empty) wait `slowMs`, the others wait `ms`; both integers in
 * [0, 600000]. With `slowAttempts: k` (default 0: every attempt) a slow
 * partition is slow only on its first k attempts, as if the node running it
 * were slow: that is the case a speculative copy helps. Waiting is a timer (wall time, no CPU). Each partition returns
 * its own index; merge returns the number of results.
 */
import { defineTask, type RunContext } from '@cohort/shared';
import { intField, partitionSet, splitInput } from './internal/input.js';
import { sleep } from './internal/time.js';

const NAME = 'slow';
const MAX_MS = 600_000;

export interface SlowPart {
  index: number;
  ms: number;
  /** Used instead of `ms` after `slowAttempts` attempts; equal to `ms` for partitions that are never slow. */
  fastMs: number;
  slowAttempts: number;
}

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): SlowPart[] {
    const obj = splitInput(NAME, input, n, '{ms, slow: number[], slowMs}');
    const ms = intField(NAME, obj, 'ms', { min: 0, max: MAX_MS });
    const slowMs = intField(NAME, obj, 'slowMs', { min: 0, max: MAX_MS });
    const slow = partitionSet(NAME, obj, 'slow', n, 'required');
    const slowAttempts = intField(NAME, obj, 'slowAttempts', { min: 0, max: 1000, default: 0 });
    return Array.from({ length: n }, (_, index) => ({ index, ms: slow.has(index) ? slowMs : ms, fastMs: ms, slowAttempts }));
  },
  async run(part: SlowPart, ctx: RunContext): Promise<number> {
    await sleep(part.slowAttempts === 0 || ctx.attempt <= part.slowAttempts ? part.ms : part.fastMs);
    return part.index;
  },
  merge(results: number[]): number {
    return results.length;
  },
  profile: { isolation: 'auto' },
});
