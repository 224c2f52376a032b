import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { loadTask, nearestName, resolveTasksDirs, taskTarget, type BuiltinTasks } from './task-loader.js';
import { syntaxErrorLine } from './task-load-error.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cohort-loader-')));
const trusted = path.join(root, 'trusted');
const outside = path.join(root, 'outside');
mkdirSync(trusted);
mkdirSync(outside);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const task = (name: string, value: unknown) =>
  `export default { name: ${JSON.stringify(name)}, profile: { isolation: 'thread' }, split: (i, n) => [i], run: () => ${JSON.stringify(value)}, merge: (r) => r };\n`;
const write = (dir: string, file: string, text: string) => {
  const full = path.join(dir, file);
  writeFileSync(full, text);
  return full;
};
const dirs = [trusted];
const from = { tasksDirs: dirs };
/** A table of built-ins as @cohort/tasks gives one: names to lazy imports. */
const noopModule = { default: { name: 'noop', profile: { isolation: 'auto' }, split: (i: unknown) => [i], run: () => null, merge: (r: unknown) => r } };
const builtins: BuiltinTasks = { noop: async () => noopModule, broken: async () => ({}) };

/** Loading fails with this code, and the message (and details) never hold `secret`. */
async function refused(name: string, code: string, secret?: string): Promise<void> {
  const err = (await loadTask(name, from).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; message?: string; details?: unknown; stack?: string } | undefined;
  expect(err?.code).toBe(code);
  if (secret !== undefined) {
    expect(err?.message).not.toContain(secret);
    expect(JSON.stringify(err?.details ?? {})).not.toContain(secret);
    expect(err?.stack ?? '').not.toContain(secret);
  }
}

describe('taskTarget: the shape of a name, decided without reading a file', () => {
  it('maps a bare name to a built-in', () => {
    expect(taskTarget('primes', [])).toEqual({ kind: 'builtin', name: 'primes' });
  });

  it('refuses any path when no directory is trusted', () => {
    expect(codeOf(() => taskTarget('/opt/tasks/mine.js', []))).toBe(ErrorCode.UNKNOWN_TASK);
    expect(codeOf(() => taskTarget('file:///opt/tasks/mine.js', []))).toBe(ErrorCode.UNKNOWN_TASK);
    expect(codeOf(() => taskTarget('mine.mjs', []))).toBe(ErrorCode.UNKNOWN_TASK);
  });

  it.each(['./mine.js', '../tasks/mine.js', 'tasks/mine.js', 'Primes', '', '..', 'a\0.js', 'x'.repeat(2000)])('refuses %j with UNKNOWN_TASK', (name) => {
    expect(codeOf(() => taskTarget(name, dirs))).toBe(ErrorCode.UNKNOWN_TASK);
  });

  it('looks a file name up in each trusted directory', () => {
    expect(taskTarget('mine.mjs', ['/a', '/b'])).toEqual({ kind: 'file', candidates: ['/a/mine.mjs', '/b/mine.mjs'] });
  });
});

describe('resolveTasksDirs', () => {
  it('resolves to real paths and refuses what is not a directory', () => {
    const link = path.join(root, 'link-to-trusted');
    symlinkSync(trusted, link);
    expect(resolveTasksDirs([link, trusted])).toEqual([trusted]);
    expect(codeOf(() => resolveTasksDirs([path.join(root, 'nope')]))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => resolveTasksDirs([write(root, 'plain.txt', 'x')]))).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('loadTask: only trusted files, and never their content in a message', () => {
  it('loads a built-in task once and returns the same module', async () => {
    const first = await loadTask('noop', { builtins });
    expect(first.name).toBe('noop');
    expect(await loadTask('noop', { builtins })).toBe(first);
  });

  it('a bare name is UNKNOWN_TASK without a table of built-ins, and a table lends nothing from Object.prototype', async () => {
    await expect(loadTask('noop')).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TASK });
    await expect(loadTask('constructor', { builtins })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TASK });
    await expect(loadTask('broken', { builtins })).rejects.toMatchObject({ code: ErrorCode.TASK_LOAD_FAILED });
  });

  it('an unknown built-in name is UNKNOWN_TASK, and a failure is not cached', async () => {
    const a = loadTask('no-such-task', { builtins });
    await expect(a).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TASK });
    const b = loadTask('no-such-task', { builtins });
    expect(b).not.toBe(a);
    await expect(b).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TASK });
  });

  it('loads a trusted module by absolute path, by file: URL and by file name', async () => {
    const file = write(trusted, 'ok.mjs', task('ok', 41));
    expect((await loadTask(file, from)).run(0, {} as never)).toBe(41);
    expect((await loadTask(pathToFileURL(file).href, from)).name).toBe('ok');
    expect((await loadTask('ok.mjs', from)).name).toBe('ok');
  });

  it('does not run a module outside the trusted directories', async () => {
    const marker = path.join(root, 'marker-outside');
    const file = write(outside, 'evil.mjs', `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran');\n${task('evil', 1)}`);
    await refused(file, ErrorCode.UNKNOWN_TASK);
    expect(existsSync(marker)).toBe(false);
  });

  it('a `..` path that leaves the trusted directory is refused', async () => {
    write(outside, 'dots.mjs', task('dots', 1));
    await refused(path.join(trusted, '..', 'outside', 'dots.mjs'), ErrorCode.UNKNOWN_TASK);
    await refused(`${trusted}/../outside/dots.mjs`, ErrorCode.UNKNOWN_TASK);
  });

  it('a symlink inside the trusted directory that points out of it is refused', async () => {
    const marker = path.join(root, 'marker-symlink');
    const target = write(
      outside,
      'escape.mjs',
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran');\n${task('escape', 1)}`,
    );
    symlinkSync(target, path.join(trusted, 'escape.mjs'));
    await refused(path.join(trusted, 'escape.mjs'), ErrorCode.UNKNOWN_TASK);
    await refused('escape.mjs', ErrorCode.UNKNOWN_TASK);
    expect(existsSync(marker)).toBe(false);
  });

  it('/dev/zero is refused at once, and so is a symlink to it from a trusted directory', async () => {
    symlinkSync('/dev/zero', path.join(trusted, 'zero.mjs'));
    const started = Date.now();
    await refused('/dev/zero', ErrorCode.UNKNOWN_TASK);
    await refused(path.join(trusted, 'zero.mjs'), ErrorCode.UNKNOWN_TASK);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('/etc/hostname is refused without its content in the error', async () => {
    const content = existsSync('/etc/hostname') ? (await import('node:fs')).readFileSync('/etc/hostname', 'utf8').trim() : undefined;
    await refused('/etc/hostname', ErrorCode.UNKNOWN_TASK, content || undefined);
  });

  it('a trusted file that is not JavaScript (.ts, .json) is refused without loading', async () => {
    await refused(write(trusted, 'mine.ts', task('ts', 1)), ErrorCode.UNKNOWN_TASK);
    await refused(write(trusted, 'mine.json', '{"secret-json-content": 1}'), ErrorCode.UNKNOWN_TASK, 'secret-json-content');
  });

  it('a missing module in a trusted directory is UNKNOWN_TASK', async () => {
    await refused(path.join(trusted, 'absent.mjs'), ErrorCode.UNKNOWN_TASK);
    await refused('absent.mjs', ErrorCode.UNKNOWN_TASK);
  });

  it('a syntax error is TASK_LOAD_FAILED naming its line, not the source', async () => {
    const file = write(trusted, 'syntax.mjs', `export default {\n  name: 'syntax',\n  oops: = 'secret-source-text'\n};\n`);
    await refused(file, ErrorCode.TASK_LOAD_FAILED, 'secret-source-text');
    await expect(loadTask(file, from)).rejects.toMatchObject({ message: expect.stringMatching(/SyntaxError at line 3\b/) });
  });

  it('a non-JS file with a .js name does not echo its first line', async () => {
    const file = write(trusted, 'hostname.js', 'my-secret-host-name\n');
    await refused(file, ErrorCode.TASK_LOAD_FAILED, 'my-secret');
    const prose = write(trusted, 'prose.mjs', 'this secretword is prose\n');
    await refused(prose, ErrorCode.TASK_LOAD_FAILED, 'secretword');
  });

  it('a throw at load is TASK_LOAD_FAILED with its line, not its message', async () => {
    const file = write(trusted, 'throws.mjs', `const a = 1;\nthrow new Error('secret-thrown-' + a);\n`);
    await refused(file, ErrorCode.TASK_LOAD_FAILED, 'secret-thrown');
    await expect(loadTask(file, from)).rejects.toMatchObject({ message: expect.stringMatching(/at line 2\b/) });
  });

  it('a module without a default task export is TASK_LOAD_FAILED', async () => {
    await refused(write(trusted, 'named.mjs', `export const run = () => 1;\n`), ErrorCode.TASK_LOAD_FAILED);
    await refused(write(trusted, 'half.mjs', `export default { run: () => 1 };\n`), ErrorCode.TASK_LOAD_FAILED);
  });

  it('an edited module is loaded again: the cache is keyed by content hash', async () => {
    const file = write(trusted, 'edited.mjs', task('edited', 'first'));
    const first = await loadTask(file, from);
    expect(first.run(0, {} as never)).toBe('first');
    expect(await loadTask(file, from)).toBe(first);
    write(trusted, 'edited.mjs', task('edited', 'second'));
    const second = await loadTask(file, from);
    expect(second.run(0, {} as never)).toBe('second');
    write(trusted, 'edited.mjs', task('edited', 'first'));
    expect(await loadTask(file, from)).toBe(first);
  });

  it('the fast path for a module loaded before never serves a same-size edit, nor a symlink moved out of the trusted dir', async () => {
    const file = write(trusted, 'same-size.mjs', task('same-size', 'one'));
    expect((await loadTask(file, from)).run(0, {} as never)).toBe('one');
    write(trusted, 'same-size.mjs', task('same-size', 'two'));
    expect((await loadTask(file, from)).run(0, {} as never)).toBe('two');
    const target = write(trusted, 'target.mjs', task('target', 'in'));
    const link = path.join(trusted, 'link.mjs');
    symlinkSync(target, link);
    expect((await loadTask(link, from)).run(0, {} as never)).toBe('in');
    rmSync(link);
    symlinkSync(write(outside, 'evil.mjs', task('evil', 'out')), link);
    await refused(link, ErrorCode.UNKNOWN_TASK);
  });
});

describe('an unknown built-in: did you mean, and the list', () => {
  /** The built-ins' names, as @cohort/tasks orders them. */
  const table: BuiltinTasks = Object.fromEntries(['primes', 'noop', 'sleep', 'pi', 'hash', 'crash', 'odd-value'].map((n) => [n, async () => noopModule]));

  async function refusal(name: string, from: { builtins?: BuiltinTasks } = { builtins: table }) {
    return (await loadTask(name, from).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
  }

  it('suggests the built-in a misspelling is near, and lists them all', async () => {
    const err = await refusal('prims');
    expect(err?.code).toBe(ErrorCode.UNKNOWN_TASK);
    expect(err?.details).toEqual({ task: '"prims"', suggestion: 'primes', builtins: Object.keys(table) });
    // What every client shows: the message carries the hint and the list.
    expect(err?.message).toContain('did you mean "primes"?');
    expect(err?.message).toContain('primes, noop, sleep, pi, hash, crash, odd-value');
  });

  it.each([
    ['primse', 'primes'],
    ['sleeep', 'sleep'],
    ['odd', 'odd-value'],
    ['oddvalue', 'odd-value'],
    ['nop', 'noop'],
    ['primes2', 'primes'],
  ])('%j → %j', async (name, suggestion) => {
    expect((await refusal(name))?.details?.suggestion).toBe(suggestion);
  });

  it('lists the built-ins without a guess when nothing is near', async () => {
    const err = await refusal('wordcount');
    expect(err?.code).toBe(ErrorCode.UNKNOWN_TASK);
    expect(err?.details).toEqual({ task: '"wordcount"', builtins: Object.keys(table) });
  });

  it('says so when no built-ins are available', async () => {
    const err = await refusal('primes', {});
    expect(err?.code).toBe(ErrorCode.UNKNOWN_TASK);
    expect(err?.details).toEqual({ task: '"primes"' });
  });

  it('nearestName: distance 2 at most, or a prefix of at least 2 characters; the nearest wins, then the first', () => {
    expect(nearestName('prim', ['primes', 'pi'])).toBe('primes');
    expect(nearestName('pi', ['primes', 'pi'])).toBe('pi');
    expect(nearestName('xyzzy', ['primes', 'pi'])).toBeUndefined();
    expect(nearestName('h', ['hash'])).toBeUndefined();
    expect(nearestName('ha', ['hash'])).toBe('hash');
  });
});

describe('syntaxErrorLine', () => {
  it.each([
    ['a plain error', 'const a = 1;\nconst = 2;\n', 2],
    ['after imports and exports', "import fs from 'node:fs';\nimport { x } from './x.js';\nexport const a = 1;\nexport default {\n  b: ,\n};\n", 5],
    ['after top-level await and import.meta', 'const u = import.meta.url;\nawait Promise.resolve();\nlet let = 1;\n', 3],
  ])('finds the line of %s', (_why, source, line) => {
    expect(syntaxErrorLine(source)).toBe(line);
  });

  it('finds nothing in a valid module', () => {
    expect(syntaxErrorLine("import a from 'a';\nexport default { a };\n")).toBeUndefined();
  });
});
