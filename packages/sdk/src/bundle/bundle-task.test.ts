import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleFileName, loadTask, sha256Hex } from '@cohort/shared';
import { describe, expect, it } from 'vitest';
import { bundleTask, type TaskBundle } from '../bundler.js';
import { TS_TASK, linkCohortPackage, trivialTask, writeTree, tempDirsPerTest } from './fixtures/task-trees.js';

const dir = tempDirsPerTest();

/** Write the bundle where no node_modules can be found, and import it. */
async function importBundle(bundle: TaskBundle): Promise<{ default: Record<string, (...args: never[]) => unknown> }> {
  const file = join(await dir(), bundleFileName(bundle.hash));
  await writeFile(file, bundle.bytes);
  return import(pathToFileURL(file).href);
}

describe('bundleTask', () => {
  it('bundles a TypeScript task with a relative import, an ESM and a CommonJS dependency into one module that runs', async () => {
    const root = await dir();
    await writeTree(root, TS_TASK);
    const bundle = await bundleTask(join(root, 'task.ts'));
    expect(bundle.entry).toBe(join(root, 'task.ts'));
    expect(bundle.hash).toBe(sha256Hex(bundle.bytes));
    expect(bundle.ref).toBe(`sha256:${bundle.hash}`);
    expect(bundle.size).toBe(bundle.bytes.byteLength);
    expect(bundle.inputs.map((i) => i.path).sort()).toEqual(['lib/math.ts', 'node_modules/fake-cjs/index.js', 'node_modules/fake-esm/index.js', 'task.ts']);
    const sizes = bundle.inputs.map((i) => i.bytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const text = new TextDecoder().decode(bundle.bytes);
    expect(text).not.toContain('dropped'); // an unused ESM export is shaken out
    expect(text).toMatch(/__require\("fs"\)/); // built-ins stay external
    const task = (await importBundle(bundle)).default;
    expect(task.name).toBe('fixture');
    const parts = (task.split as (i: number, n: number) => unknown[])(20, 2);
    expect((task.run as (p: unknown) => unknown)(parts[1])).toEqual({ doubled: 42, word: 'HI!', info: 'function,function,string' });
  });

  it('gives the same bytes for the same source, whatever the directory and the cwd, with no absolute path inside', async () => {
    const [a, b] = [await dir(), await dir()];
    await writeTree(a, TS_TASK);
    await writeTree(b, TS_TASK);
    const first = await bundleTask(join(a, 'task.ts'), { cwd: '/' });
    const second = await bundleTask(relative(process.cwd(), join(b, 'task.ts')));
    const third = await bundleTask('task.ts', { cwd: b });
    expect(second.hash).toBe(first.hash);
    expect(third.hash).toBe(first.hash);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    const text = new TextDecoder().decode(first.bytes);
    for (const path of [a, b, process.cwd(), '/tmp/', '/home/', '/work/']) expect(text).not.toContain(path);
  });

  it('bundles a task that imports defineTask from @cohort/sdk small, and the module loads by its ref', async () => {
    for (const from of ['@cohort/sdk', '@cohort/shared'] as const) {
      const root = await dir();
      await writeTree(root, trivialTask(from));
      await linkCohortPackage(root, from === '@cohort/sdk' ? 'sdk' : 'shared');
      const bundle = await bundleTask(join(root, 'trivial.mts'));
      expect(bundle.size, from).toBeLessThan(20 * 1024);
      const text = new TextDecoder().decode(bundle.bytes);
      expect(text).not.toContain('msgpackr');
      const bundleDir = await dir();
      await writeFile(join(bundleDir, bundleFileName(bundle.hash)), bundle.bytes);
      const task = await loadTask(bundle.ref, { bundleDir });
      expect(task.name).toBe('trivial');
      expect(task.merge(task.split(5, 3).map((p) => task.run(p, { jobId: 'j', partition: 0, attempt: 1, mode: 'thread' })))).toBe(45);
    }
  });

  it('loads esbuild only when it bundles: the bundler imports nothing but types from it at the top', async () => {
    for (const file of ['bundle-task.ts', 'bundle-errors.ts', 'native-addons.ts', 'bundle-options.ts']) {
      const source = await readFile(new URL(file, import.meta.url), 'utf8');
      expect(source, file).not.toMatch(/^import (?!type )[^;]*from 'esbuild'/m);
    }
    expect(await readFile(new URL('bundle-task.ts', import.meta.url), 'utf8')).toContain("await import('esbuild')");
  });

  it('never loads a module from the machine that runs the bundle: a require left for run time finds built-ins only', async () => {
    const root = await dir();
    await writeTree(root, {
      'task.mjs': `let fast = null;
try { fast = require('optional-fast'); } catch (err) { fast = { code: err.code }; }
const name = ['optional', 'fast'].join('-');
let computed;
try { computed = require(name); } catch (err) { computed = { code: err.code }; }
export default { name: 'opt', split: () => [1], run: () => ({ fast, computed, os: typeof require('node:os').cpus }), merge: (r) => r };
`,
    });
    const bundle = await bundleTask(join(root, 'task.mjs'));
    // The module exists where the bundle runs (beside it, in node_modules), but not where it was bundled.
    const runDir = await dir();
    await writeTree(runDir, {
      'node_modules/optional-fast/index.js': "module.exports = 'AGENT-LOCAL CODE';\n",
      'node_modules/optional-fast/package.json': '{"name":"optional-fast","main":"index.js"}',
    });
    const file = join(runDir, bundleFileName(bundle.hash));
    await writeFile(file, bundle.bytes);
    const task = (await import(pathToFileURL(file).href)).default as { run: () => unknown };
    expect(task.run()).toEqual({ fast: { code: 'MODULE_NOT_FOUND' }, computed: { code: 'MODULE_NOT_FOUND' }, os: 'function' });
  });
});
