/**
 * Load a task module by name, and only from where the operator said to trust.
 *
 * - A bare name (`primes`) is a built-in task, from the table of built-ins
 *   the caller passes in (`TaskSources.builtins`): the packages that ship
 *   and depend on them (the coordinator, the agent) give it; shared names none.
 * - An absolute path, a file: URL, or a file name (`mine.mjs`, looked up in
 *   each trusted directory in turn) is a user's module. It loads only if its
 *   real path (symlinks resolved) is a regular `.js` or `.mjs` file inside
 *   one of the trusted directories (`--tasks-dir`, resolved to real paths
 *   when the options are compiled).
 * - Anything else is UNKNOWN_TASK, decided before the file is read or
 *   imported. A module that exists but does not load is TASK_LOAD_FAILED.
 *   No message ever carries what the file holds.
 *
 * - A bundle ref (`sha256:<hex>`, bundle.ts) is a shipped task: the file
 *   `<hex>.mjs` in `TaskSources.bundleDir`, which the caller (the coordinator's
 *   bundle store, the agent's bundle cache) has filled and verified. Its URL
 *   is its hash, so two versions of a task are two modules.
 *
 * Versions: a user's module is imported by a URL that carries the SHA-256 of
 * its content (`file:///…/mine.mjs?v=<hash>`), so an edited file is a new
 * module and never stale code. Node caches every module per URL for the life
 * of the process: the modules a task imports itself are loaded once and not
 * reloaded when they change, and each version of the task stays in memory.
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CohortError, ErrorCode } from './errors.js';
import { LIMITS, MAX_LENGTH, inBound } from './limits.js';
import { isOneOf } from './one-of.js';
import { ISOLATIONS } from './task.js';
import type { TaskModule } from './task.js';
import { describeLoadError } from './task-load-error.js';
import { bundleFileName, bundleHashOf, isBundleRef } from './bundle.js';

const BUILTIN_NAME = /^[a-z][a-z0-9-]{0,63}$/;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,250}\.m?js$/;
/** The extensions a user's task module may have. */
export const TASK_EXTENSIONS: readonly string[] = ['.js', '.mjs'];
/** A task module larger than this is refused (TASK_LOAD_FAILED) before it is read. */
export const MAX_TASK_MODULE_BYTES = 16 * 1024 * 1024;
/** Versions of user modules remembered; older ones are forgotten here (Node keeps its own copy). */
const MAX_CACHED_VERSIONS = 256;

/** Where a task name points, decided without reading any file. */
export type TaskTarget = { kind: 'builtin'; name: string } | { kind: 'file'; candidates: string[] };

/** The built-in tasks by name, each imported on first use (`@cohort/tasks` exports its table as `builtinTasks`). */
export type BuiltinTasks = Readonly<Record<string, () => Promise<unknown>>>;

/** Where `loadTask` may load a task from. */
export interface TaskSources {
  /** The built-in tasks; without them, a bare name is UNKNOWN_TASK. */
  builtins?: BuiltinTasks | undefined;
  /** Trusted task directories (real absolute paths; see resolveTasksDirs). */
  tasksDirs?: readonly string[] | undefined;
  /** Where verified bundles are (`<hash>.mjs`); without it, a bundle ref is UNKNOWN_TASK. */
  bundleDir?: string | undefined;
}

function unknownTask(name: string, why: string, details: Record<string, unknown> = {}): CohortError {
  return new CohortError(ErrorCode.UNKNOWN_TASK, `unknown task ${quote(name)}: ${why}`, { details: { task: quote(name), ...details } });
}

/**
 * No built-in by that name: the message lists the built-ins (the table's
 * names) and, for a near miss, says `did you mean "primes"?`.
 */
function unknownBuiltin(name: string, builtins: BuiltinTasks | undefined): CohortError {
  const names = Object.keys(builtins ?? {});
  if (names.length === 0) return unknownTask(name, 'no built-in tasks are available here');
  const near = nearestName(name, names);
  const hint = near === undefined ? '.' : `; did you mean ${JSON.stringify(near)}?`;
  return unknownTask(name, `no built-in task by that name${hint} The built-ins are: ${names.join(', ')}`, {
    builtins: names,
    ...(near !== undefined && { suggestion: near }),
  });
}

/** The candidate closest to `name`: within edit distance 2, or one that starts with it (or it with one), nearest first. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate, 3);
    const prefix = name.length >= 2 && (candidate.startsWith(name) || name.startsWith(candidate));
    const score = distance <= 2 ? distance : prefix ? 3 : Infinity;
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

/** Levenshtein distance between `a` and `b`, or `cap` once it is at least `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...row) >= cap) return cap;
    previous = row;
  }
  return Math.min(previous[b.length] as number, cap);
}

function loadFailed(name: string, why: string): CohortError {
  return new CohortError(ErrorCode.TASK_LOAD_FAILED, `task ${quote(name)} failed to load: ${why}`, { details: { task: quote(name) } });
}

function quote(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

/**
 * Resolve `--tasks-dir` values to real absolute paths of existing
 * directories; INVALID_OPTION names the one that is not.
 */
export function resolveTasksDirs(dirs: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const dir of dirs ?? []) {
    let real: string;
    try {
      real = realpathSync(path.resolve(dir));
      if (!statSync(real).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new CohortError(ErrorCode.INVALID_OPTION, `tasksDirs: ${JSON.stringify(dir)} is not an existing directory`);
    }
    if (!out.includes(real)) out.push(real);
  }
  return out;
}

/** Map a name to a built-in specifier or to candidate paths; UNKNOWN_TASK for any other shape. */
export function taskTarget(name: string, tasksDirs: readonly string[]): TaskTarget {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_LENGTH.taskName || name.includes('\0')) {
    throw unknownTask(String(name).slice(0, 200), 'not a task name');
  }
  if (BUILTIN_NAME.test(name)) return { kind: 'builtin', name };
  if (tasksDirs.length === 0) throw unknownTask(name, 'user task modules load only from a --tasks-dir, and none is trusted here');
  if (name.startsWith('file://')) {
    let file: string;
    try {
      file = fileURLToPath(name);
    } catch {
      throw unknownTask(name, 'not a file URL');
    }
    return { kind: 'file', candidates: [file] };
  }
  if (name.startsWith('/')) return { kind: 'file', candidates: [path.resolve(name)] };
  if (FILE_NAME.test(name) && name !== '.' && name !== '..') return { kind: 'file', candidates: tasksDirs.map((dir) => path.join(dir, name)) };
  throw unknownTask(name, 'use a built-in name, a file name in a --tasks-dir, or an absolute path inside one');
}

function inside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The real path of the first candidate that is a trusted task file; UNKNOWN_TASK otherwise, having read nothing. */
export async function trustedTaskFile(name: string, candidates: readonly string[], tasksDirs: readonly string[]): Promise<string> {
  let found = false;
  for (const candidate of candidates) {
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      continue;
    }
    found = true;
    if (!tasksDirs.some((dir) => inside(real, dir))) continue;
    if (!TASK_EXTENSIONS.includes(path.extname(real))) throw unknownTask(name, `a task module must end in ${TASK_EXTENSIONS.join(' or ')}`);
    const info = await stat(real).catch(() => undefined);
    if (!info?.isFile()) throw unknownTask(name, 'not a regular file');
    return real;
  }
  const lexicallyTrusted = candidates.some((c) => tasksDirs.some((dir) => inside(c, dir)));
  throw unknownTask(name, found || !lexicallyTrusted ? 'not inside a trusted --tasks-dir' : 'no such module in the trusted --tasks-dir');
}

/** Read at most MAX_TASK_MODULE_BYTES of a regular file; TASK_LOAD_FAILED when it is larger. */
async function readBounded(name: string, file: string): Promise<Buffer> {
  // O_NONBLOCK: a FIFO swapped in after the check must not block the open.
  const handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw unknownTask(name, 'not a regular file');
    if (info.size > MAX_TASK_MODULE_BYTES) throw loadFailed(name, `the module is larger than ${MAX_TASK_MODULE_BYTES} bytes`);
    const buffer = Buffer.alloc(Number(info.size) + 1);
    let length = 0;
    for (let i = 0; i < 1024 && length < buffer.length; i++) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_TASK_MODULE_BYTES) throw loadFailed(name, `the module is larger than ${MAX_TASK_MODULE_BYTES} bytes`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** Loaded built-ins, per table. */
const builtinCaches = new WeakMap<BuiltinTasks, Map<string, Promise<TaskModule>>>();
const versions = new Map<string, Promise<TaskModule>>();

function remember(cache: Map<string, Promise<TaskModule>>, key: string, loading: Promise<TaskModule>): Promise<TaskModule> {
  cache.set(key, loading);
  loading.catch(() => cache.delete(key));
  if (cache.size > MAX_CACHED_VERSIONS) cache.delete(cache.keys().next().value as string);
  return loading;
}

/**
 * Load a task module by name: a built-in from `from.builtins`, or a user's
 * module from one of `from.tasksDirs`. Fails with UNKNOWN_TASK or
 * TASK_LOAD_FAILED.
 */
export async function loadTask(name: string, from: TaskSources = {}): Promise<TaskModule> {
  if (isBundleRef(name)) return loadBundle(name, from.bundleDir);
  const tasksDirs = from.tasksDirs ?? [];
  const target = taskTarget(name, tasksDirs);
  if (target.kind === 'builtin') return loadBuiltin(target.name, from.builtins);
  const key = `${name}\0${tasksDirs.join('\0')}`;
  const seen = unchanged(known.get(key), target.candidates);
  if (seen) {
    const loaded = versions.get(seen.url);
    if (loaded) return loaded;
  }
  const file = await trustedTaskFile(name, target.candidates, tasksDirs);
  const before = stamp(file);
  const source = await readBounded(name, file);
  const hash = createHash('sha256').update(source).digest('hex');
  const url = `${pathToFileURL(file).href}?v=${hash}`;
  // Remember what was read only if the file did not change while it was read.
  if (before !== undefined && before === stamp(file)) {
    known.set(key, { candidate: target.candidates.find((c) => safeRealpath(c) === file) ?? file, real: file, stamp: before, url });
    if (known.size > MAX_CACHED_VERSIONS) known.delete(known.keys().next().value as string);
  }
  return versions.get(url) ?? remember(versions, url, importFile(name, url, source));
}

/**
 * The fast path for a module loaded before: a slot loads its task for every
 * batch, and reading and hashing the file each time costs about seven trips
 * through libuv's pool. If the same candidate still resolves to the same real
 * path and the file's identity, size and nanosecond times are unchanged (and
 * no earlier candidate has appeared), its content is the one hashed; any
 * write changes ctime, so an edited file is never served stale.
 */
interface Known {
  candidate: string;
  real: string;
  stamp: string;
  url: string;
}
const known = new Map<string, Known>();

function unchanged(k: Known | undefined, candidates: readonly string[]): Known | undefined {
  if (!k) return undefined;
  for (const c of candidates) {
    if (c === k.candidate) break;
    if (safeRealpath(c) !== undefined) return undefined;
  }
  return safeRealpath(k.candidate) === k.real && stamp(k.real) === k.stamp ? k : undefined;
}

function safeRealpath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

function stamp(file: string): string | undefined {
  try {
    const s = statSync(file, { bigint: true });
    return s.isFile() ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : undefined;
  } catch {
    return undefined;
  }
}

/** A shipped bundle, imported from the verified copy in `bundleDir`. */
function loadBundle(ref: string, bundleDir: string | undefined): Promise<TaskModule> {
  if (bundleDir === undefined) return Promise.reject(unknownTask(ref, 'shipped task bundles are not available here'));
  const url = pathToFileURL(path.join(bundleDir, bundleFileName(bundleHashOf(ref)))).href;
  return versions.get(url) ?? remember(versions, url, importBundle(ref, url));
}

async function importBundle(ref: string, url: string): Promise<TaskModule> {
  let mod: unknown;
  try {
    mod = await import(url);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw loadFailed(ref, code === 'ERR_MODULE_NOT_FOUND' ? 'the bundle is not in the bundle directory' : describeLoadError(err, undefined, url));
  }
  return defaultTask(ref, mod);
}

function loadBuiltin(name: string, builtins: BuiltinTasks | undefined): Promise<TaskModule> {
  const load = builtins && Object.hasOwn(builtins, name) ? builtins[name] : undefined;
  if (!builtins || !load) return Promise.reject(unknownBuiltin(name, builtins));
  let cache = builtinCaches.get(builtins);
  if (!cache) builtinCaches.set(builtins, (cache = new Map()));
  return cache.get(name) ?? remember(cache, name, importBuiltin(name, load));
}

async function importBuiltin(name: string, load: () => Promise<unknown>): Promise<TaskModule> {
  let mod: unknown;
  try {
    mod = await load();
  } catch (err) {
    throw loadFailed(name, describeLoadError(err, undefined, name));
  }
  return defaultTask(name, mod);
}

async function importFile(name: string, url: string, source: Buffer): Promise<TaskModule> {
  let mod: unknown;
  try {
    mod = await import(url);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why =
      typeof code === 'string' && /^ERR_[A-Z_]{1,60}$/.test(code)
        ? `${code} while importing it or what it imports`
        : describeLoadError(err, source.toString('utf8'), url);
    throw loadFailed(name, why);
  }
  return defaultTask(name, mod);
}

function defaultTask(name: string, mod: unknown): TaskModule {
  const task = (mod as { default?: Partial<TaskModule> } | undefined)?.default;
  if (!task || typeof task !== 'object') throw loadFailed(name, 'the module has no default export; export default defineTask({...})');
  if (typeof task.run !== 'function' || typeof task.split !== 'function' || typeof task.merge !== 'function') {
    throw loadFailed(name, 'the default export is not a task: it needs split, run and merge functions (export default defineTask({...}))');
  }
  // A module written without defineTask gets its defaults here, and a profile it could not have passed defineTask with is refused.
  const profile = task.profile ?? { isolation: 'auto' };
  const isolation = profile.isolation ?? 'auto';
  if (typeof profile !== 'object' || !isOneOf(isolation, ISOLATIONS)) throw loadFailed(name, 'profile.isolation must be thread, process or auto');
  if (profile.timeoutMs !== undefined && !inBound(profile.timeoutMs, LIMITS.timeoutMs)) {
    throw loadFailed(name, `profile.timeoutMs must be an integer in [0, ${LIMITS.timeoutMs.max}]`);
  }
  if (task.profile?.isolation !== undefined) return task as TaskModule;
  const t = task as TaskModule;
  return { name: t.name, split: t.split.bind(t), run: t.run.bind(t), merge: t.merge.bind(t), profile: { ...profile, isolation } };
}
