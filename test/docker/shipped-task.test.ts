/**
 * Scenario 6 (issue 10): a user's TypeScript task, written by this test to a
 * temporary directory on the host, runs on agent containers whose image has
 * never seen it. `follow()` submits it by its path (runJob -> shipTask): the
 * host bundles it with esbuild, uploads it through the coordinator's
 * published loopback port, and each agent fetches it by hash over its
 * connection into its default cache (<tmpdir>/cohort-bundles, as the
 * image's user 10001). One agent container is `docker kill`ed at 40%; the
 * sum is still the one this process computes with a sieve.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cluster, docker, followWithKill } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'cohort-docker-task-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The agent's default --cache-dir in the image: os.tmpdir() is /tmp there (TMPDIR unset). */
const CACHE_DIR = '/tmp/cohort-bundles';
/** Primes below N by trial division: ~3 s of CPU here, a few seconds of wall time on three half-CPU agents. */
const N = 16_000_000;
const WEIGHT = 3;
const PARTITIONS = 32;

/**
 * The user's project: task.ts imports ./prime-test.ts, the CommonJS npm
 * package `tiny-scale` from its own node_modules, and defineTask from
 * @cohort/sdk (a symlink to this checkout's packages/sdk). `marker` is in the
 * task's name, so its bytes can be looked for inside the containers.
 */
function writeProject(dir: string, marker: string): string {
  mkdirSync(path.join(dir, 'node_modules/tiny-scale'), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules/@cohort'), { recursive: true });
  symlinkSync(path.join(REPO, 'packages/sdk'), path.join(dir, 'node_modules/@cohort/sdk'), 'dir');
  writeFileSync(path.join(dir, 'node_modules/tiny-scale/package.json'), JSON.stringify({ name: 'tiny-scale', version: '1.0.0', main: 'index.js' }));
  writeFileSync(path.join(dir, 'node_modules/tiny-scale/index.js'), 'exports.scale = (x, k) => x * k;\n');
  writeFileSync(
    path.join(dir, 'prime-test.ts'),
    `/** Trial division by odd numbers: slow on purpose, so that the job lasts. */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
`,
  );
  writeFileSync(
    path.join(dir, 'task.ts'),
    `import { defineTask } from '@cohort/sdk';
import { scale } from 'tiny-scale';
import { isPrime } from './prime-test.ts';

interface Part { from: number; to: number; weight: number }
export default defineTask({
  name: '${marker}',
  split(input: { n: number; weight: number }, parts: number): Part[] {
    const size = Math.ceil(input.n / parts);
    return Array.from({ length: parts }, (_, i) => ({ from: i * size, to: Math.min(input.n, (i + 1) * size), weight: input.weight }));
  },
  run(part: Part): number {
    let sum = 0;
    for (let x = part.from; x < part.to; x++) if (isPrime(x)) sum += scale(x, part.weight);
    return sum;
  },
  merge(results: number[]): number { return results.reduce((a, b) => a + b, 0); },
});
`,
  );
  return path.join(dir, 'task.ts');
}

/** The same sum, by a sieve of Eratosthenes, in this process. */
function weightedPrimeSum(n: number, weight: number): number {
  const composite = new Uint8Array(n);
  let sum = 0;
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue;
    sum += i;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return sum * weight;
}

/**
 * Run inside a container (the image has node and no shell): every path on
 * its file system named like a file of the user's project, each file under
 * /app, /tmp, /home and /var/lib/cohort that holds `marker`, and the cache
 * directory's owner, mode and files with their SHA-256.
 */
const INSPECT = `
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const [names, marker, cache] = [new Set(JSON.parse(process.argv[1])), process.argv[2], process.argv[3]];
const named = [], holders = [];
const searched = ['/app/', '/tmp/', '/home/', '/var/lib/cohort/'];
function walk(dir) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (p === '/proc' || p === '/sys' || p === '/dev') continue;
    if (names.has(e.name)) named.push(p);
    if (e.isDirectory()) walk(p);
    else if (e.isFile() && searched.some((s) => p.startsWith(s))) {
      try { if (fs.readFileSync(p).includes(marker)) holders.push(p); } catch {}
    }
  }
}
walk('/');
const st = fs.statSync(cache);
const files = fs.readdirSync(cache).map((f) => ({ name: f, sha256: crypto.createHash('sha256').update(fs.readFileSync(path.join(cache, f))).digest('hex') }));
console.log(JSON.stringify({ uid: process.getuid(), named, holders, cache: { uid: st.uid, mode: (st.mode & 0o777).toString(8), files } }));
`;

interface Inspection {
  uid: number;
  named: string[];
  holders: string[];
  cache: { uid: number; mode: string; files: Array<{ name: string; sha256: string }> };
}

async function inspect(containerId: string, marker: string): Promise<Inspection> {
  const names = ['task.ts', 'prime-test.ts', 'tiny-scale'];
  return JSON.parse(await docker('exec', containerId, 'node', '-e', INSPECT, JSON.stringify(names), marker, CACHE_DIR)) as Inspection;
}

describe('docker: a TypeScript task shipped from the host', () => {
  it('runs on agent containers that never saw it, one killed mid-job, and the sum is right', async () => {
    const marker = `shipped-prime-sum-${randomBytes(6).toString('hex')}`;
    const taskFile = writeProject(path.join(root, 'project'), marker);
    const expected = weightedPrimeSum(N, WEIGHT);
    const { coordinator, agents } = await cluster(3, { cpus: 0.5 });
    const victim = agents[1]!;
    const spec = { task: taskFile, input: { n: N, weight: WEIGHT }, partitions: PARTITIONS };
    const { run, fault, lost } = await followWithKill(coordinator, spec, victim);
    expect(run.report.status).toBe('succeeded');
    expect(run.report.result).toBe(expected);
    expect(run.report.task).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lost?.reason).toBe('closed');
    expect(await docker('inspect', '-f', '{{.State.Status}}', victim.id)).toBe('exited');

    // The survivors ran partitions, and hold the task only as the bundle they fetched:
    // one file, named by the job's hash, whose bytes hash to that name, in a cache of
    // the image's user, mode 0700. No file of the project is anywhere on their file
    // systems (image and writable layer), and the marker is in no other file.
    const hash = run.report.task.slice('sha256:'.length);
    const survivors = agents.filter((a) => a !== victim);
    for (const agent of survivors) {
      expect(run.report.agents[agent.name]?.partitions ?? 0).toBeGreaterThan(0);
      const seen = await inspect(agent.id, marker);
      expect(seen.uid).toBe(10001);
      expect(seen.cache).toEqual({ uid: 10001, mode: '700', files: [{ name: `${hash}.mjs`, sha256: hash }] });
      expect(seen.named).toEqual([]);
      expect(seen.holders).toEqual([`${CACHE_DIR}/${hash}.mjs`]);
    }
    process.stderr.write(
      `[scenario 6] shipped ${run.report.task.slice(0, 19)}…; killed ${victim.name} at ${fault.at - run.submittedAt} ms; ` +
        `lost (${lost?.reason}) after ${lost!.at - fault.at} ms, requeued ${lost?.requeued}; job ${run.endedAt - run.submittedAt} ms, ` +
        `attempts ${run.report.attempts}/${run.report.partitions}, agents ${JSON.stringify(run.report.agents)}\n`,
    );
  });
});
