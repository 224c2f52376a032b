/**
 * The task-module contract. A task is an ES module whose default export is
 * `defineTask({...})`; the coordinator loads it for `split` and `merge`, and
 * each slot loads it for `run` (task-loader.ts says from where). `run` must be deterministic for a given
 * partition input: that is what makes retries, speculative copies and late
 * duplicates safe, since the first accepted result is the only one that counts.
 */
import { CohortError, ErrorCode } from './errors.js';
import { isOneOf } from './one-of.js';
import type { SlotMode } from './protocol.js';

/** Where a task asks to run in `auto` mode. */
export const ISOLATIONS = ['thread', 'process', 'auto'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

export interface TaskProfile {
  /** Where the task wants to run in `auto` mode. */
  isolation: Isolation;
  /** The task reads its job's shared value (`ctx.shared`): in auto mode it runs on threads, which share it with no copy. */
  sharedInput?: boolean;
  /** Default per-partition timeout, milliseconds; 0 means none. */
  timeoutMs?: number;
}

export interface RunContext {
  jobId: string;
  partition: number;
  attempt: number;
  mode: SlotMode;
  /**
   * The job's shared value (`shared` on the job), read-only by contract:
   * a Uint8Array, a typed array or a JSON value. In a thread slot a view over
   * one SharedArrayBuffer that every thread slot of the agent reads; in a
   * process slot the slot's own copy. Undefined when the job has none.
   */
  shared?: unknown;
}

export interface TaskModule<I = unknown, P = unknown, R = unknown, J = unknown> {
  name: string;
  /** Validate the job input and cut it into `n` partition inputs. Throw BAD_INPUT for bad input. */
  split(input: I, n: number): P[];
  /** Compute one partition. Runs in a slot: a worker thread or a child process. */
  run(part: P, ctx: RunContext): R | Promise<R>;
  /** Combine the partition results, in partition order. Runs on the coordinator. */
  merge(results: R[]): J;
  profile: TaskProfile;
}

export function defineTask<I, P, R, J>(task: TaskModule<I, P, R, J>): TaskModule<I, P, R, J> {
  if (!task || typeof task.name !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(task.name)) {
    throw new CohortError(ErrorCode.INVALID_OPTION, `task name must match /^[a-z][a-z0-9-]{0,63}$/, got ${JSON.stringify(task?.name)}`);
  }
  for (const fn of ['split', 'run', 'merge'] as const) {
    if (typeof task[fn] !== 'function') throw new CohortError(ErrorCode.INVALID_OPTION, `task ${task.name}: ${fn} must be a function`);
  }
  const isolation = task.profile?.isolation ?? 'auto';
  if (!isOneOf(isolation, ISOLATIONS)) {
    throw new CohortError(ErrorCode.INVALID_OPTION, `task ${task.name}: profile.isolation must be thread, process or auto`);
  }
  return { ...task, profile: { ...task.profile, isolation } };
}

/** Throw from `split` or `run` when the input is wrong. */
export function badInput(task: string, message: string): CohortError {
  return new CohortError(ErrorCode.BAD_INPUT, `${task}: ${message}`);
}

/** Split `[from, to)` into `n` contiguous ranges of near-equal size. */
export function splitRange(from: number, to: number, n: number): Array<{ from: number; to: number }> {
  const parts: Array<{ from: number; to: number }> = [];
  const size = to - from;
  for (let i = 0; i < n; i++) {
    parts.push({ from: from + Math.floor((size * i) / n), to: from + Math.floor((size * (i + 1)) / n) });
  }
  return parts;
}
