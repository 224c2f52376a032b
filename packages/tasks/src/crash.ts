/**
 * `crash` (drill): kill the slot running a partition, in a chosen way.
 *
 * Input `{how, partitions?, value?}`:
 * - `how` is one of
 *   - `'exit'`: `process.exit(3)`. In a thread slot this ends the worker
 *     thread with exit code 3; in a process slot, the child process.
 *   - `'throw-timer'`: throw `Error('crash from a timer')` from a timer, an
 *     uncaught exception outside `run`, and never settle the partition.
 *   - `'abort'`: `process.abort()`. This raises SIGABRT for the whole process,
 *     so in a thread slot it takes the agent down with it; drill it in
 *     process slots unless that is what you want.
 *   - `'oom'`: allocate and retain objects until the V8 heap is exhausted
 *     (a worker's resource limit, or the process's fatal out-of-memory).
 *   - `'kill-agent'`: SIGKILL the agent that runs the slot (the process
 *     itself in a thread slot, the parent in a process slot): a task that
 *     takes its host down, which the coordinator must hold against it.
 *   - `'none'`: crash nothing; a control run.
 * - `partitions`: the partition indices that crash (each in [0, n)); default
 *   all of them.
 * - `value`: what each non-crashing partition returns, a finite number,
 *   default 1.
 * - `attempts`: crash only on attempts 1..attempts of a partition and return
 *   `value` on later ones (a transient fault); 0, the default, crashes on
 *   every attempt (a poison partition).
 * Merge sums the results of the partitions that did not crash.
 */
import { badInput, defineTask, type RunContext } from '@cohort/shared';
import { describe, intField, partitionSet, splitInput, SUMMED } from './internal/input.js';

const NAME = 'crash';
const HOWS = ['exit', 'throw-timer', 'abort', 'oom', 'kill-agent', 'none'] as const;
export type CrashHow = (typeof HOWS)[number];

export interface CrashPart {
  /** How this partition crashes; `'none'` for a partition that returns `value`. */
  how: CrashHow;
  value: number;
  /** Crash on attempts up to this one; 0 means every attempt. */
  attempts: number;
}

/** How long a `kill-agent` partition runs before it kills its agent. */
export const KILL_AGENT_DELAY_MS = 300;

/** Exit code for `how: 'exit'`. */
export const CRASH_EXIT_CODE = 3;

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): CrashPart[] {
    const obj = splitInput(NAME, input, n, `{how: ${HOWS.join('|')}, partitions?, value?}`);
    const how = obj.how;
    if (!HOWS.includes(how as CrashHow)) {
      throw badInput(NAME, `how must be one of ${HOWS.join(', ')}, got ${describe(how)}`);
    }
    const value = obj.value ?? 1;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw badInput(NAME, `value must be a finite number, got ${describe(value)}`);
    }
    const crashing = partitionSet(NAME, obj, 'partitions', n, 'all');
    const attempts = intField(NAME, obj, 'attempts', { min: 0, max: 1000, default: 0 });
    return Array.from({ length: n }, (_, i) => ({ how: crashing.has(i) ? (how as CrashHow) : 'none', value, attempts }));
  },
  run(part: CrashPart, ctx: RunContext): number | Promise<number> {
    const how = part.attempts === 0 || ctx.attempt <= part.attempts ? part.how : 'none';
    switch (how) {
      case 'none':
        return part.value;
      case 'exit':
        return process.exit(CRASH_EXIT_CODE);
      case 'throw-timer':
        setTimeout(() => {
          throw new Error('crash from a timer');
        });
        return new Promise<number>(() => {});
      case 'abort':
        return process.abort();
      case 'oom':
        return exhaustHeap();
      case 'kill-agent':
        // A moment after starting, so that the agent has told the coordinator this partition runs
        // (its death is then held against the partition), whatever the load on the machine.
        setTimeout(() => process.kill(ctx.mode === 'thread' ? process.pid : process.ppid, 'SIGKILL'), KILL_AGENT_DELAY_MS);
        return new Promise<number>(() => {});
      default:
        throw badInput(NAME, `unknown crash ${describe(how)}`);
    }
  },
  ...SUMMED,
});

/** Allocate small objects and strings, all retained, until the heap runs out. */
function exhaustHeap(): never {
  const hoard: unknown[][] = [];
  for (let i = 0; ; i++) {
    const chunk: unknown[] = new Array(65_536);
    for (let j = 0; j < chunk.length; j++) chunk[j] = { i, j, s: `oom ${i} ${j}` };
    hoard.push(chunk);
  }
}
