/**
 * The task-module contract. A task is an ES module whose default export is
 * `defineTask({...})`; the coordinator loads it for `split` and `merge`, and
 * each slot loads it for `run`. `run` must be deterministic for a given
 * partition input: that is what makes retries, speculative copies and late
 * duplicates safe, since the first accepted result is the only one that counts.
 */
import { CohortError, ErrorCode } from './errors.js';

export type Isolation = 'thread' | 'process' | 'auto';

export interface TaskProfile {
  /** Where the task wants to run in `auto` mode. */
  isolation: Isolation;
  /** The input is large and read-only; threads may share it instead of copying. */
  sharedInput?: boolean;
  /** Default per-partition timeout, milliseconds; 0 means none. */
  timeoutMs?: number;
}

export interface RunContext {
  jobId: string;
  partition: number;
  attempt: number;
  mode: 'thread' | 'process';
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
  if (isolation !== 'thread' && isolation !== 'process' && isolation !== 'auto') {
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

const BUILTIN_NAME = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Resolve a task name to a module specifier. A bare name is a built-in task in
 * `@cohort/tasks`; an absolute path or a file: URL is a user's own module.
 */
export function taskSpecifier(name: string): string {
  if (BUILTIN_NAME.test(name)) return `@cohort/tasks/${name}`;
  if (name.startsWith('file://')) return name;
  if (name.startsWith('/')) return `file://${name}`;
  throw new CohortError(ErrorCode.UNKNOWN_TASK, `unknown task ${JSON.stringify(name)}: use a built-in name or an absolute path to a task module`);
}

const cache = new Map<string, Promise<TaskModule>>();

/** Load a task module by name, once per process. Fails with UNKNOWN_TASK. */
export function loadTask(name: string): Promise<TaskModule> {
  let loaded = cache.get(name);
  if (!loaded) {
    loaded = importTask(name);
    cache.set(name, loaded);
    loaded.catch(() => cache.delete(name));
  }
  return loaded;
}

async function importTask(name: string): Promise<TaskModule> {
  const specifier = taskSpecifier(name);
  let mod: { default?: TaskModule };
  try {
    mod = (await import(specifier)) as { default?: TaskModule };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new CohortError(ErrorCode.UNKNOWN_TASK, `unknown task ${JSON.stringify(name)}`, { cause: err });
    }
    throw new CohortError(ErrorCode.UNKNOWN_TASK, `task ${JSON.stringify(name)} failed to load: ${(err as Error).message}`, { cause: err });
  }
  const task = mod.default;
  if (!task || typeof task.run !== 'function' || typeof task.split !== 'function' || typeof task.merge !== 'function') {
    throw new CohortError(ErrorCode.UNKNOWN_TASK, `module for task ${JSON.stringify(name)} has no default defineTask() export`);
  }
  return task;
}
