/**
 * The packages install outside the clone: `npm run pack`'s script writes the
 * tarballs, npm installs them all into an empty directory (taking every
 * @cohort/* dependency from the tarballs, never from the registry; third-party
 * dependencies come from npm's cache or the registry), and the installed
 * `cohort` and `@cohort/sdk` work.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, spawnCoordinator } from '@cohort/cli';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const PACK_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 90_000;
const RUN_TIMEOUT_MS = 20_000;

/** The environment without npm's own variables: under `npm test` they would point the nested npm at this repo. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

let dir = '';
let installLog = '';
const timings: Record<string, number> = {};

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await work();
  } finally {
    timings[name] = Date.now() - t0;
  }
}

beforeAll(
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'cohort-packaging-'));
    const dist = join(dir, 'tarballs');
    await timed('pack', () => run(process.execPath, [join(ROOT, 'scripts/pack.mjs'), '--out', dist], { cwd: ROOT, env: cleanEnv(), timeout: PACK_TIMEOUT_MS }));
    const tarballs = (await readdir(dist)).filter((f) => f.endsWith('.tgz')).map((f) => join(dist, f));
    const app = join(dir, 'app');
    await mkdir(app);
    await run(NPM, ['init', '-y'], { cwd: app, env: cleanEnv(), timeout: RUN_TIMEOUT_MS });
    const args = ['install', ...tarballs, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'http'];
    const { stdout, stderr } = await timed('install', () => run(NPM, args, { cwd: app, env: cleanEnv(), timeout: INSTALL_TIMEOUT_MS }));
    installLog = `${stdout}\n${stderr}`;
  },
  PACK_TIMEOUT_MS + INSTALL_TIMEOUT_MS + RUN_TIMEOUT_MS,
);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  process.stderr.write(`packaging: pack ${timings.pack} ms, install ${timings.install} ms\n`);
});

describe('installable packages', () => {
  it('installs every @cohort package from the tarballs, one copy each, never a registry tarball', async () => {
    // npm places the six root packages in name order and prefetches the manifests of dependencies not placed yet:
    // a GET of the @cohort/shared packument that 404s (or, were the name taken, a manifest it ignores). It never
    // downloads a registry tarball for them: the lock file says where each one came from.
    expect(installLog).not.toMatch(/GET 200 https?:\/\/\S*@cohort(\/|%2f)\S*\/-\//i);
    const pkg = JSON.parse(await readFile(join(dir, 'app/package.json'), 'utf8'));
    const names = Object.keys(pkg.dependencies).sort();
    expect(names).toEqual(['@cohort/agent', '@cohort/cli', '@cohort/coordinator', '@cohort/sdk', '@cohort/shared', '@cohort/tasks']);
    const lock = JSON.parse(await readFile(join(dir, 'app/package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    const cohort = Object.entries(lock.packages).filter(([path]) => path.includes('@cohort/'));
    expect(cohort.map(([path]) => path).sort()).toEqual(names.map((name) => `node_modules/${name}`));
    for (const [path, entry] of cohort) expect(entry.resolved, path).toMatch(/^file:.*\.tgz$/);
  });

  it('ships dist and bin only: no sources, tests, fixtures, maps or build info', async () => {
    const files = (await readdir(join(dir, 'app/node_modules/@cohort'), { recursive: true })).map(String);
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    // The dashboard ships in the coordinator's package: the page, its modules and styles (uPlot comes from its own package).
    for (const f of ['coordinator/dashboard/index.html', 'coordinator/dashboard/app.js', 'coordinator/dashboard/style.css']) expect(files, f).toContain(f);
    expect((await readdir(join(dir, 'app/node_modules/uplot/dist'))).map(String)).toContain('uPlot.esm.js');
    expect(files.filter((f) => /\.tsbuildinfo$|\.test\.|fixtures|__tests__|\.map$|\/src\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs `npx cohort --version`, printing the repository version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const { stdout } = await run(NPM, ['exec', '--no', '--', 'cohort', '--version'], { cwd: join(dir, 'app'), env: cleanEnv(), timeout: RUN_TIMEOUT_MS });
    expect(stdout.trim()).toBe(version);
  });

  it('imports defineTask from the installed @cohort/sdk, and bundles a TypeScript task with it', async () => {
    const app = join(dir, 'app');
    await writeFile(
      join(app, 'task.ts'),
      "import { defineTask } from '@cohort/sdk';\nexport default defineTask({ name: 'inst', split: (i: number) => [i], run: (p: number) => p + 1, merge: (r: number[]) => r[0] as number, profile: { isolation: 'auto' } });\n",
    );
    const program = `
      import { defineTask } from '@cohort/sdk';
      import { bundleTask } from '@cohort/sdk/bundler';
      const task = defineTask({ name: 'probe', split: () => [1], run: (p) => p, merge: (r) => r, profile: { isolation: 'thread' } });
      const bundle = await bundleTask('task.ts');
      console.log(JSON.stringify({ name: task.name, ref: bundle.ref, size: bundle.size }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', program], { cwd: app, env: cleanEnv(), timeout: RUN_TIMEOUT_MS });
    const out = JSON.parse(stdout);
    expect(out.name).toBe('probe');
    expect(out.ref).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out.size).toBeLessThan(20 * 1024);
  });

  it('runs a coordinator and an agent from the installed cohort, and a tiny SDK program that ships a TypeScript task and streams its results', async () => {
    const app = join(dir, 'app');
    const bin = join(app, 'node_modules/@cohort/cli/bin/cohort.mjs');
    const token = randomBytes(18).toString('base64url');
    await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
    const coordinator = await spawnCoordinator({ bin, args: ['--port', '0', '--token-file', join(dir, 'token')] });
    try {
      const agent = await spawnAgent({
        bin,
        name: 'installed',
        args: ['--connect', coordinator.url, '--token-file', join(dir, 'token'), '--slots', '2', '--cache-dir', join(dir, 'cache')],
      });
      try {
        await writeFile(
          join(app, 'program.mjs'),
          `import { connect } from '@cohort/sdk';
const cluster = await connect(process.argv[2], { token: process.env.COHORT_TOKEN });
const job = await cluster.submit('./task.ts', 41, { partitions: 1 });
const seen = [];
for await (const r of job.results()) seen.push([r.index, r.value, r.agent]);
console.log(JSON.stringify({ seen, merged: await job.result(), task: job.task }));
`,
        );
        const { stdout } = await run(process.execPath, ['program.mjs', coordinator.url], {
          cwd: app,
          env: { ...cleanEnv(), COHORT_TOKEN: token },
          timeout: RUN_TIMEOUT_MS,
        });
        const out = JSON.parse(stdout);
        expect(out.seen).toEqual([[0, 42, 'installed']]);
        expect(out.merged).toBe(42);
        expect(out.task).toMatch(/^sha256:[0-9a-f]{64}$/);
      } finally {
        await agent.stop();
      }
    } finally {
      await coordinator.stop();
    }
  });
});
