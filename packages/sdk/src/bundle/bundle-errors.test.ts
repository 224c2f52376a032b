import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CohortError } from '@cohort/shared';
import { describe, expect, it } from 'vitest';
import { bundleTask } from '../bundler.js';
import { LOADER_TASK, NODE_FILE_TASK, SYNTAX_ERROR_TASK, bigTask, writeTree, tempDirsPerTest } from './fixtures/task-trees.js';

const dir = tempDirsPerTest();

async function refusal(promise: Promise<unknown>): Promise<CohortError> {
  return promise.then(
    () => expect.fail('bundleTask should have thrown'),
    (err: CohortError) => err,
  );
}

describe('bundleTask refuses', () => {
  it('a missing file, with its absolute path', async () => {
    const root = await dir();
    const err = await refusal(bundleTask('nope/task.ts', { cwd: root }));
    expect(err.code).toBe('BUNDLE_BUILD_FAILED');
    expect(err.message).toBe(`file not found: ${join(root, 'nope/task.ts')}`);
  });

  it('a directory, and a file with another extension', async () => {
    const root = await dir();
    await mkdir(join(root, 'dir.ts'));
    await writeTree(root, { 'task.cjs': 'module.exports = {};\n' });
    expect((await refusal(bundleTask(join(root, 'dir.ts')))).code).toBe('BUNDLE_BUILD_FAILED');
    const err = await refusal(bundleTask(join(root, 'task.cjs')));
    expect(err.code).toBe('BUNDLE_BUILD_FAILED');
    expect(err.message).toContain('.ts, .mts, .js, .mjs');
  });

  it('a syntax error, with the file, line and text from esbuild and no stack dump', async () => {
    const root = await dir();
    await writeTree(root, SYNTAX_ERROR_TASK);
    const err = await refusal(bundleTask(join(root, 'broken.ts')));
    expect(err.code).toBe('BUNDLE_BUILD_FAILED');
    expect(err.message).toMatch(/broken\.ts:3:\d+: /);
    expect(err.message).not.toMatch(/\n\s+at /);
    expect(err.details?.errors).toHaveLength(1);
  });

  it('an unresolvable import, naming it', async () => {
    const root = await dir();
    await writeTree(root, { 'task.js': "import x from 'not-installed';\nexport default x;\n" });
    const err = await refusal(bundleTask(join(root, 'task.js')));
    expect(err.code).toBe('BUNDLE_BUILD_FAILED');
    expect(err.message).toMatch(/task\.js:1:\d+: .*not-installed/);
  });

  it('a native .node addon, naming the package that requires it', async () => {
    const root = await dir();
    await writeTree(root, NODE_FILE_TASK);
    const err = await refusal(bundleTask(join(root, 'task.js')));
    expect(err.code).toBe('BUNDLE_BUILD_FAILED');
    expect(err.message).toContain('native addon: fake-addon loads ./build/Release/addon.node');
    expect(err.message).toContain('node_modules/fake-addon/index.js:1:');
  });

  it('over maxBytes, before any upload, with its size and its 5 largest inputs', async () => {
    const root = await dir();
    await writeTree(root, bigTask(300_000));
    const err = await refusal(bundleTask(join(root, 'big-task.js'), { maxBytes: 100_000 }));
    expect(err.code).toBe('BUNDLE_TOO_LARGE');
    const details = err.details as { size: number; maxBytes: number; largest: Array<{ path: string; bytes: number }> };
    expect(details.maxBytes).toBe(100_000);
    expect(details.size).toBeGreaterThan(300_000);
    expect(details.largest.map((i) => i.path)).toEqual(['big.js', 'small6.js', 'small5.js', 'small4.js', 'small3.js']);
    expect(details.largest[0]?.bytes).toBeGreaterThan(300_000);
    expect(err.message).toContain(`(${details.size} bytes)`);
    for (const input of details.largest) expect(err.message).toContain(input.path);
    expect(err.message).not.toContain('small2.js');
    // The same task under the limit bundles.
    expect((await bundleTask(join(root, 'big-task.js'), { maxBytes: 1_000_000 })).size).toBe(details.size);
  });

  it('a maxBytes that is not a positive integer', async () => {
    const err = await refusal(bundleTask('task.ts', { maxBytes: 0 }));
    expect(err.code).toBe('INVALID_OPTION');
  });
});

describe('addon loaders', () => {
  it('are replaced by a module that throws MODULE_NOT_FOUND naming the package, so an optional addon falls back', async () => {
    const root = await dir();
    await writeTree(root, LOADER_TASK);
    const out = await dir();
    const load = async (entry: string) => {
      const bundle = await bundleTask(join(root, entry));
      const file = join(out, `${bundle.hash}.mjs`);
      await writeFile(file, bundle.bytes);
      return import(pathToFileURL(file).href);
    };
    const optional = await load('optional.mjs');
    expect(optional.default).toEqual({ fast: { kind: 'javascript' } });
    const err = await load('task.mjs').then(
      () => expect.fail('the bundle should throw when it loads'),
      (e: Error & { code?: string }) => e,
    );
    expect(err.code).toBe('MODULE_NOT_FOUND');
    expect(err.message).toContain('native addon: fake-sqlite loads a native addon through bindings');
  });
});
