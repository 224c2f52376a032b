/**
 * Issue 8, item 6: a task name is never an import of an arbitrary file. The
 * coordinator and its agents load user modules only from their --tasks-dir;
 * everything else is 400 UNKNOWN_TASK, decided without reading the file, and
 * the coordinator keeps serving.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpBase, runJob } from '@cohort/cli';
import { ErrorCode, errorAnswer } from '@cohort/shared';
import { cluster } from '../helpers/cluster.js';

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cohort-hostile-tasks-')));
const trusted = path.join(root, 'trusted');
const untrusted = path.join(root, 'untrusted');
mkdirSync(trusted);
mkdirSync(untrusted);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const versioned = (version: string) =>
  `export default { name: 'versioned', profile: { isolation: 'auto' }, split: (input, n) => Array.from({ length: n }, (_, i) => i), run: (p, ctx) => ({ version: ${JSON.stringify(version)}, mode: ctx.mode }), merge: (results) => ({ version: ${JSON.stringify(version)}, runs: results.map((r) => r.version) }) };\n`;

async function submit(url: string, token: string, body: unknown): Promise<{ status: number; code: unknown; text: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${httpBase(url)}/api/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let code: unknown;
  try {
    code = errorAnswer(JSON.parse(text))?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code, text, ms: Date.now() - started };
}

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${httpBase(url)}/healthz`, { signal: AbortSignal.timeout(5000) });
  return res.status === 200;
}

describe('hostile: task names', () => {
  it('/etc/hostname is 400 UNKNOWN_TASK without its content, and the coordinator keeps serving', async () => {
    const c = await cluster([{ name: 'a1', mode: 'threads', slots: 1 }], [], { tasksDirs: [trusted] });
    const answer = await submit(c.url, c.token, { task: '/etc/hostname', partitions: 1 });
    expect(answer.status).toBe(400);
    expect(answer.code).toBe(ErrorCode.UNKNOWN_TASK);
    const hostname = existsSync('/etc/hostname') ? readFileSync('/etc/hostname', 'utf8').trim() : '';
    if (hostname.length >= 3) expect(answer.text).not.toContain(hostname);
    expect(await healthy(c.url)).toBe(true);
    const report = await runJob({ url: c.url, token: c.token, task: 'noop', partitions: 4 });
    expect(report.status).toBe('succeeded');
  });

  it('/dev/zero answers at once, without the coordinator growing', async () => {
    const c = await cluster([{ name: 'a1', mode: 'threads', slots: 1 }], [], { tasksDirs: [trusted] });
    const before = rssBytes(c.coordinator.pid);
    for (const task of ['/dev/zero', 'file:///dev/zero', `${trusted}/../../../../dev/zero`]) {
      const answer = await submit(c.url, c.token, { task, partitions: 1 });
      expect(answer.status).toBe(400);
      expect(answer.code).toBe(ErrorCode.UNKNOWN_TASK);
      expect(answer.ms).toBeLessThan(2000);
    }
    expect(rssBytes(c.coordinator.pid) - before).toBeLessThan(64 * 1024 * 1024);
    expect(await healthy(c.url)).toBe(true);
  });

  it('an existing module outside the trusted directories is never run', async () => {
    const marker = path.join(root, 'marker-untrusted');
    const evil = path.join(untrusted, 'evil.mjs');
    writeFileSync(evil, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n${versioned('evil')}`);
    const cjs = path.join(untrusted, 'cli.js');
    writeFileSync(cjs, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); process.exit(3);\n`);
    const c = await cluster([{ name: 'a1', mode: 'threads', slots: 1 }], [], { tasksDirs: [trusted] });
    for (const task of [evil, `file://${evil}`, cjs, path.join(trusted, '..', 'untrusted', 'evil.mjs'), 'evil.mjs']) {
      const answer = await submit(c.url, c.token, { task, partitions: 1 });
      expect(answer.status).toBe(400);
      expect(answer.code).toBe(ErrorCode.UNKNOWN_TASK);
    }
    expect(existsSync(marker)).toBe(false);
    expect(await healthy(c.url)).toBe(true);
  });

  it('a trusted module runs, and an edit between two jobs gives the new result in the coordinator and the slots', async () => {
    const file = path.join(trusted, 'versioned.mjs');
    writeFileSync(file, versioned('v1'));
    const c = await cluster([{ name: 'a1', mode: 'auto', slots: 2 }], [], { tasksDirs: [trusted] });
    const first = await runJob({ url: c.url, token: c.token, task: file, partitions: 4 });
    expect(first.status).toBe('succeeded');
    expect(first.result).toEqual({ version: 'v1', runs: ['v1', 'v1', 'v1', 'v1'] });
    writeFileSync(file, versioned('v2'));
    const second = await runJob({ url: c.url, token: c.token, task: 'versioned.mjs', partitions: 4 });
    expect(second.status).toBe('succeeded');
    expect(second.result).toEqual({ version: 'v2', runs: ['v2', 'v2', 'v2', 'v2'] });
  });

  it('a trusted module with a syntax error is 400 TASK_LOAD_FAILED, and one without a default export too', async () => {
    writeFileSync(path.join(trusted, 'broken.mjs'), `export default {\n  name: 'broken',\n  run: = 'secret-source'\n};\n`);
    writeFileSync(path.join(trusted, 'nodefault.mjs'), `export const run = () => 1;\n`);
    const c = await cluster([{ name: 'a1', mode: 'threads', slots: 1 }], [], { tasksDirs: [trusted] });
    const broken = await submit(c.url, c.token, { task: 'broken.mjs', partitions: 1 });
    expect(broken.status).toBe(400);
    expect(broken.code).toBe(ErrorCode.TASK_LOAD_FAILED);
    expect(broken.text).not.toContain('secret-source');
    const nodefault = await submit(c.url, c.token, { task: 'nodefault.mjs', partitions: 1 });
    expect(nodefault.code).toBe(ErrorCode.TASK_LOAD_FAILED);
    const missing = await submit(c.url, c.token, { task: 'missing.mjs', partitions: 1 });
    expect(missing.code).toBe(ErrorCode.UNKNOWN_TASK);
    expect(await healthy(c.url)).toBe(true);
  });

  it('without a --tasks-dir, even an absolute path to a real task module is UNKNOWN_TASK', async () => {
    const file = path.join(trusted, 'versioned.mjs');
    writeFileSync(file, versioned('v3'));
    const c = await cluster([{ name: 'a1', mode: 'threads', slots: 1 }]);
    const answer = await submit(c.url, c.token, { task: file, partitions: 1 });
    expect(answer.status).toBe(400);
    expect(answer.code).toBe(ErrorCode.UNKNOWN_TASK);
  });
});
