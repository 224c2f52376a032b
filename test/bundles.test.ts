/**
 * Issue 10: a user's own task, shipped. A TypeScript task with a relative
 * import and an npm dependency, in a directory no agent has seen, runs by
 * its path; edited and run again, the new code runs (never the old); two
 * versions run at once; and a coordinator restart on its state directory
 * brings the bundle back with the job, which the SDK follows across it.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCohort } from '@cohort/cli';
import { type CohortError, connect } from '@cohort/sdk';
import { ErrorCode } from '@cohort/shared';
import { cluster } from './helpers/cluster.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'cohort-user-task-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The user's project: task.ts imports ./weights.ts and the npm package `tiny-scale` (CommonJS), and defineTask from @cohort/sdk. */
function writeProject(dir: string, weight: number): void {
  mkdirSync(path.join(dir, 'node_modules/tiny-scale'), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules/@cohort'), { recursive: true });
  try {
    symlinkSync(path.join(REPO, 'packages/sdk'), path.join(dir, 'node_modules/@cohort/sdk'), 'dir');
    symlinkSync(path.join(REPO, 'packages/shared'), path.join(dir, 'node_modules/@cohort/shared'), 'dir');
  } catch {}
  writeFileSync(path.join(dir, 'node_modules/tiny-scale/package.json'), JSON.stringify({ name: 'tiny-scale', version: '1.0.0', main: 'index.js' }));
  writeFileSync(
    path.join(dir, 'node_modules/tiny-scale/index.js'),
    "const os = require('node:os');\nexports.scale = (x, k) => x * k + (os.EOL === '\\n' ? 0 : 0);\n",
  );
  writeFileSync(path.join(dir, 'weights.ts'), `export const WEIGHT: number = ${weight};\n`);
  writeFileSync(
    path.join(dir, 'task.ts'),
    `import { defineTask } from '@cohort/sdk';
import { scale } from 'tiny-scale';
import { WEIGHT } from './weights.ts';

interface Part { from: number; to: number }
export default defineTask({
  name: 'weighted-sum',
  split(input: { n: number }, parts: number): Part[] {
    const size = Math.ceil(input.n / parts);
    return Array.from({ length: parts }, (_, i) => ({ from: i * size, to: Math.min(input.n, (i + 1) * size) }));
  },
  run(part: Part): number {
    let sum = 0;
    for (let x = part.from; x < part.to; x++) sum += scale(x, WEIGHT);
    return sum;
  },
  merge(results: number[]): number { return results.reduce((a, b) => a + b, 0); },
  profile: { isolation: 'auto' },
});
`,
  );
}

const expected = (n: number, weight: number) => (weight * n * (n - 1)) / 2;

describe('shipped task bundles', () => {
  it('runs a TypeScript task by its relative path on agents that never saw it; an edit runs the new code', async () => {
    const cacheA = path.join(root, 'cache-a');
    const cacheB = path.join(root, 'cache-b');
    const c = await cluster([
      { name: 'thread-agent', mode: 'threads', slots: 2, extraArgs: ['--cache-dir', cacheA] },
      { name: 'process-agent', mode: 'processes', slots: 2, extraArgs: ['--cache-dir', cacheB] },
    ]);
    const project = path.join(root, 'project');
    writeProject(project, 3);
    const run = () =>
      runCohort(['run', './task.ts', '--connect', c.url, '--input', '{"n":10000}', '--partitions', '8', '--json'], {
        cwd: project,
        env: { COHORT_TOKEN: c.token },
        timeoutMs: 60_000,
      });
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    const one = JSON.parse(first.stdout) as { result: number; task: string; agents: Record<string, unknown> };
    expect(one.result).toBe(expected(10_000, 3));
    expect(one.task).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(one.agents).sort()).toEqual(['process-agent', 'thread-agent']);

    writeProject(project, 5);
    const second = await run();
    expect(second.code, second.stderr).toBe(0);
    const two = JSON.parse(second.stdout) as { result: number; task: string; agents: Record<string, unknown> };
    expect(two.result).toBe(expected(10_000, 5));
    expect(two.task).not.toBe(one.task);
    // Each agent cached, by hash, the versions it ran and nothing else.
    const cacheOf: Record<string, string> = { 'thread-agent': cacheA, 'process-agent': cacheB };
    const cached = (agent: string) => readdirSync(cacheOf[agent]!).filter((f) => f.endsWith('.mjs'));
    for (const job of [one, two]) for (const agent of Object.keys(job.agents)) expect(cached(agent)).toContain(`${job.task.slice(7)}.mjs`);
    for (const agent of Object.keys(cacheOf)) for (const f of cached(agent)) expect([one.task, two.task].map((t) => `${t.slice(7)}.mjs`)).toContain(f);
  });

  it('runs two versions of one task at once, and brings a bundle back with its job after a coordinator restart', async () => {
    const stateDir = path.join(root, 'state');
    const c = await cluster([{ name: 'agent-1', mode: 'auto', slots: 2, extraArgs: ['--cache-dir', path.join(root, 'cache-r')] }], ['--state-dir', stateDir]);
    const v1 = path.join(root, 'v1');
    const v2 = path.join(root, 'v2');
    writeProject(v1, 2);
    writeProject(v2, 7);
    const sdk = await connect(c.url, { token: c.token });
    const [a, b] = await Promise.all([
      sdk.submit<number, number>(path.join(v1, 'task.ts'), { n: 5000 }, { partitions: 4 }),
      sdk.submit<number, number>(path.join(v2, 'task.ts'), { n: 5000 }, { partitions: 4 }),
    ]);
    expect(a.task).not.toBe(b.task);
    expect(await Promise.all([a.result(), b.result()])).toEqual([expected(5000, 2), expected(5000, 7)]);

    // A job held back (no agent), the coordinator restarted on its state dir: the bundle comes back from disk with the job.
    const v3 = path.join(root, 'v3');
    writeProject(v3, 11);
    await c.agents[0]!.stop();
    const held = await sdk.submit<number, number>(path.join(v3, 'task.ts'), { n: 3000 }, { partitions: 3 });
    // And one whose bundle is damaged on disk while the coordinator is down: refused, never run, and the job says why.
    const v4 = path.join(root, 'v4');
    writeProject(v4, 13);
    const damaged = await sdk.submit<number, number>(path.join(v4, 'task.ts'), { n: 3000 }, { partitions: 3 });
    c.coordinator.kill('SIGKILL');
    await c.coordinator.exited;
    writeFileSync(
      path.join(stateDir, 'bundles', `${damaged.task.slice(7)}.mjs`),
      'export default { name: "evil", split: () => [0], run: () => 666, merge: () => 666 };\n',
    );
    await c.restartCoordinator();
    await c.addAgent({ name: 'agent-2', mode: 'threads', slots: 2, extraArgs: ['--cache-dir', path.join(root, 'cache-r2')] });
    // The SDK's job re-attaches to the restarted coordinator by itself.
    expect(await held.result()).toBe(expected(3000, 11));
    expect((await sdk.jobs()).find((j) => j.jobId === held.id)?.status).toBe('succeeded');
    const refused = await damaged.result().catch((err: unknown) => err);
    expect((refused as CohortError).code).toBe(ErrorCode.BUNDLE_HASH_MISMATCH);
    // The client ships the sound bytes again, and the same task runs.
    const again = await sdk.submit<number, number>(path.join(v4, 'task.ts'), { n: 3000 }, { partitions: 3 });
    expect(again.task).toBe(damaged.task);
    expect(await again.result()).toBe(expected(3000, 13));
  });
});
