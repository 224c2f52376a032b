/**
 * A corrupt journal, with real processes. A coordinator with --state-dir and
 * a real agent runs three jobs to the end; then its journal is damaged the
 * ways a disk or a careless hand would damage it. Damage with valid records
 * after it stops `cohort coordinator` with JOURNAL_CORRUPT (exit non-zero,
 * lock released); `--journal-recover` saves the damage aside, starts, and
 * every acknowledged job is still there with its result. A torn tail alone
 * starts normally.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, runCohort, runJob, spawnCoordinator, startLocalCluster, type CoordinatorProcess } from '@cohort/cli';
import { HEADER_BYTES, JOURNAL_FILE, LOCK_FILE, scanJournal, type JournalRecord } from '@cohort/coordinator';
import { ErrorCode } from '@cohort/shared';
import { track } from '../helpers/cluster.js';

const token = randomBytes(18).toString('base64url');
const env = { COHORT_TOKEN: token };
const JOBS = [
  { input: { from: 0, to: 100_000 }, expected: 9_592 },
  { input: { from: 0, to: 200_000 }, expected: 17_984 },
  { input: { from: 0, to: 300_000 }, expected: 25_997 },
];

let pristine: Buffer;
let jobIds: string[];
const dirs: string[] = [];

interface Frame {
  offset: number;
  end: number;
  record: JournalRecord;
}
function frames(buf: Buffer): Frame[] {
  const out: Frame[] = [];
  scanJournal(buf, (record, offset) => out.push({ offset, end: offset + HEADER_BYTES + buf.readUInt32LE(offset), record }));
  return out;
}

/** A fresh state directory holding `journal`. */
async function stateDirWith(journal: Buffer): Promise<string> {
  const dir = mkdtempSync(join(os.tmpdir(), 'cohort-hostile-journal-'));
  dirs.push(dir);
  await writeFile(join(dir, JOURNAL_FILE), journal);
  return dir;
}

const coordinatorArgs = (dir: string, ...extra: string[]) => ['--host', '127.0.0.1', '--port', '0', '--state-dir', dir, ...extra];

async function expectRefusal(dir: string): Promise<string> {
  const run = await runCohort(['coordinator', ...coordinatorArgs(dir)], { env, timeoutMs: 15_000 });
  expect(run.signal).toBeNull(); // it exited by itself, it did not hang
  expect(run.code).not.toBe(0);
  expect(run.stdout).not.toMatch(/listening/);
  expect(run.stderr).toContain(ErrorCode.JOURNAL_CORRUPT);
  expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  return run.stderr;
}

async function start(dir: string, ...extra: string[]): Promise<{ coordinator: CoordinatorProcess; api: ApiClient }> {
  const coordinator = track(await spawnCoordinator({ args: coordinatorArgs(dir, ...extra), env }));
  return { coordinator, api: new ApiClient({ url: coordinator.url, token }) };
}

const report = (api: ApiClient, jobId: string) => api.report(jobId);

async function savedAside(dir: string): Promise<Buffer[]> {
  const names = (await readdir(dir)).filter((f) => f.startsWith(`${JOURNAL_FILE}.damaged-`));
  return Promise.all(names.map((f) => readFile(join(dir, f))));
}

beforeAll(async () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'cohort-hostile-journal-src-'));
  dirs.push(dir);
  const c = await startLocalCluster({ agents: [{ name: 'journal-agent', mode: 'threads', slots: 2 }], coordinatorArgs: ['--state-dir', dir] });
  try {
    jobIds = [];
    for (const job of JOBS) {
      const r = await runJob({ url: c.url, token: c.token, task: 'primes', input: job.input, partitions: 4 });
      expect(r).toMatchObject({ status: 'succeeded', result: job.expected });
      jobIds.push(r.jobId);
    }
  } finally {
    await c.stop(); // SIGTERM: a clean stop, the journal complete
  }
  pristine = await readFile(join(dir, JOURNAL_FILE));
  const kinds = frames(pristine).map((f) => f.record.kind);
  expect(kinds.filter((k) => k === 'job')).toHaveLength(3);
  expect(kinds.filter((k) => k === 'finished')).toHaveLength(3);
}, 90_000);

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('a corrupt journal', () => {
  it('four flipped bytes in the first job record: refused, naming the offset; recovered, every job there with its result', async () => {
    const first = frames(pristine).find((f) => f.record.kind === 'job')!;
    const bad = Buffer.from(pristine);
    const at = first.offset + HEADER_BYTES + 12;
    for (let i = at; i < at + 4; i++) bad[i]! ^= 0xa5;
    const dir = await stateDirWith(bad);
    const stderr = await expectRefusal(dir);
    expect(stderr).toContain(`offset ${first.offset}`);
    expect(stderr).toContain('--journal-recover');
    const { api } = await start(dir, '--journal-recover');
    for (const [i, jobId] of jobIds.entries()) {
      const r = await report(api, jobId);
      expect(r).toMatchObject({ jobId, status: 'succeeded', result: JOBS[i]!.expected });
    }
    expect(await savedAside(dir)).toEqual([bad.subarray(first.offset, first.end)]);
  });

  it('a bad length field in the middle: refused; recovered by resyncing, every job there with its result', async () => {
    const all = frames(pristine);
    const middle = all[Math.floor(all.length / 2)]!;
    const bad = Buffer.from(pristine);
    bad.writeUInt32LE(bad.readUInt32LE(middle.offset) + 7, middle.offset);
    const dir = await stateDirWith(bad);
    await expectRefusal(dir);
    const { api } = await start(dir, '--journal-recover');
    for (const [i, jobId] of jobIds.entries()) {
      const r = await report(api, jobId);
      expect(r.status, `job ${i}`).not.toBe('running');
      // A lost results record of a finished job costs nothing: its end holds the result.
      expect(r).toMatchObject({ jobId, status: 'succeeded', result: JOBS[i]!.expected });
    }
    expect(await savedAside(dir)).toHaveLength(1);
  });

  it('a zero-filled file is refused, not taken for an empty journal; recovery saves it aside', async () => {
    const dir = await stateDirWith(Buffer.alloc(pristine.length));
    await expectRefusal(dir);
    const { api } = await start(dir, '--journal-recover');
    await expect(api.request('GET', '/api/jobs')).resolves.toBeDefined();
    expect(await savedAside(dir)).toEqual([Buffer.alloc(pristine.length)]);
  });

  it('a torn tail (the last record cut in half) starts normally, with everything before it', async () => {
    const last = frames(pristine).at(-1)!;
    const cut = last.offset + Math.floor((last.end - last.offset) / 2);
    const dir = await stateDirWith(pristine.subarray(0, cut));
    const { api } = await start(dir);
    const lastFinished = last.record.kind === 'finished' ? last.record.jobId : undefined;
    for (const [i, jobId] of jobIds.entries()) {
      const r = await report(api, jobId);
      if (jobId === lastFinished)
        expect(r).toMatchObject({ jobId, done: 4 }); // its end was torn: it resumes with every result
      else expect(r).toMatchObject({ jobId, status: 'succeeded', result: JOBS[i]!.expected });
    }
    expect(await savedAside(dir)).toEqual([]);
    // The torn half was cut off; whatever the restarted coordinator journaled since follows the good records.
    const now = await readFile(join(dir, JOURNAL_FILE));
    expect(now.subarray(0, last.offset)).toEqual(pristine.subarray(0, last.offset));
    const rescan = scanJournal(now, () => {});
    expect(rescan.damaged).toEqual([]);
    expect(rescan.tail).toBeUndefined();
  });
});
