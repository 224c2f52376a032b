/** Damage that is not a torn tail: refused, then recovered with every valid record and every job accounted for. */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, encode, ErrorCode, type LogEntry } from '@cohort/shared';
import { crc32 } from './crc32.js';
import { encodeFrame, type JournalRecord } from './journal-codec.js';
import { Journal, JOURNAL_FILE, type JournalJob } from './journal.js';
import { LOCK_FILE, StateStore } from './state-store.js';

let dir: string;
let entries: LogEntry[];
const log = () => createLogger({ level: 'debug', sink: (e) => entries.push(e) });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohort-journal-recovery-'));
  entries = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const job = (jobId: string): JournalJob => ({ jobId, task: 'primes', input: null, partitions: 4, timeoutMs: 0, maxAttempts: 3, createdAt: 1 });
const results = (jobId: string, ps: number[]): JournalRecord => ({
  kind: 'results',
  jobId,
  items: ps.map((p) => ({ p, a: 1, value: p, agent: 'x', ms: 1, mode: 'thread' as const })),
});
const journalFile = () => join(dir, JOURNAL_FILE);

/** A frame with a correct CRC around any payload. */
function frameOf(payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

describe('journal damage', () => {
  it('a zero-filled file is refused, not taken for an empty journal', async () => {
    await writeFile(journalFile(), Buffer.alloc(4096));
    await expect(Journal.open(dir, log())).rejects.toMatchObject({ code: ErrorCode.JOURNAL_CORRUPT, details: { damaged: [{ offset: 0, bytes: 4096 }] } });
    const { journal, recovered } = await Journal.open(dir, log(), { recover: true });
    await journal.close();
    expect(recovered).toMatchObject({ records: 0, bytes: 0 });
    expect((await readFile(journalFile())).length).toBe(0);
    expect((await readdir(dir)).filter((f) => f.startsWith(`${JOURNAL_FILE}.damaged-0-`))).toHaveLength(1);
  });

  it('a file holding only the first frame cut short is a torn tail, not damage', async () => {
    const frame = encodeFrame({ kind: 'job', job: job('j_aaaaaaaaaa') });
    await writeFile(journalFile(), frame.subarray(0, 20));
    const { journal, recovered } = await Journal.open(dir, log());
    await journal.close();
    expect(recovered).toMatchObject({ records: 0, tornRecords: 1, bytes: 0 });
  });

  it('a record whose CRC matches but whose shape is wrong is damage', async () => {
    const bad = frameOf(encode({ kind: 'results', jobId: 'j_aaaaaaaaaa', items: [{ p: -1, a: 1, value: 0, agent: 'x', ms: 1, mode: 'thread' }] }));
    const first = encodeFrame({ kind: 'job', job: job('j_aaaaaaaaaa') });
    await writeFile(journalFile(), Buffer.concat([first, bad, encodeFrame(results('j_aaaaaaaaaa', [1]))]));
    await expect(Journal.open(dir, log())).rejects.toMatchObject({
      code: ErrorCode.JOURNAL_CORRUPT,
      details: { damaged: [{ offset: first.length, reason: 'bad record' }] },
    });
  });

  it('a lost job record makes the job failed with JOURNAL_CORRUPT, or finished with its own end, never missing', async () => {
    const lostJob = encodeFrame({ kind: 'job', job: job('j_lost000000') });
    lostJob[20]! ^= 0xff;
    const doneJob = encodeFrame({ kind: 'job', job: job('j_done000000') });
    doneJob.fill(0, 0, 8); // header zeroed: the job record of a finished job is gone
    const frames = [
      encodeFrame({ kind: 'job', job: job('j_kept000000') }),
      lostJob,
      doneJob,
      encodeFrame(results('j_lost000000', [0, 1])),
      encodeFrame({ kind: 'finished', jobId: 'j_done000000', status: 'succeeded', result: 42 }),
      encodeFrame(results('j_kept000000', [0])),
    ];
    await writeFile(journalFile(), Buffer.concat(frames));
    const { journal, recovered } = await Journal.open(dir, log(), { recover: true });
    await journal.close();
    expect(recovered.lostJobs.sort()).toEqual(['j_done000000', 'j_lost000000']);
    expect(recovered.jobs.get('j_lost000000')).toMatchObject({ finished: { status: 'failed', error: { code: ErrorCode.JOURNAL_CORRUPT } } });
    expect(recovered.jobs.get('j_lost000000')!.results.size).toBe(2);
    expect(recovered.jobs.get('j_done000000')!.finished).toEqual({ status: 'succeeded', result: 42 });
    expect(recovered.jobs.get('j_kept000000')!.finished).toBeUndefined();
    expect(recovered.jobs.get('j_kept000000')!.results.size).toBe(1);
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'journal lost job records', code: ErrorCode.JOURNAL_CORRUPT, orphanResults: 2 }),
    );
  });

  it('a job id seen only in damaged bytes is reported lost, not forgotten', async () => {
    const lost = encodeFrame({ kind: 'job', job: job('j_only000000') });
    lost[lost.length - 1]! ^= 0xff;
    await writeFile(journalFile(), Buffer.concat([lost, encodeFrame({ kind: 'job', job: job('j_next000000') })]));
    const { journal, recovered } = await Journal.open(dir, log(), { recover: true });
    await journal.close();
    expect(recovered.lostJobs).toEqual(['j_only000000']);
    expect(recovered.jobs.get('j_only000000')!.finished).toMatchObject({ status: 'failed', error: { code: ErrorCode.JOURNAL_CORRUPT } });
    // The damage is gone from the journal now; the lost job's end was journaled, so it is still known next time.
    const again = await Journal.open(dir, log());
    await again.journal.close();
    expect(again.recovered.jobs.get('j_only000000')!.finished).toMatchObject({ status: 'failed', error: { code: ErrorCode.JOURNAL_CORRUPT } });
  });

  it('after recovery the journal reopens clean and takes appends', async () => {
    const broken = encodeFrame(results('j_aaaaaaaaaa', [0]));
    broken.fill(0, 8, 16);
    await writeFile(journalFile(), Buffer.concat([encodeFrame({ kind: 'job', job: job('j_aaaaaaaaaa') }), broken, encodeFrame(results('j_aaaaaaaaaa', [1]))]));
    const first = await Journal.open(dir, log(), { recover: true });
    first.journal.append(results('j_aaaaaaaaaa', [2]));
    await first.journal.close();
    entries = [];
    const again = await Journal.open(dir, log());
    await again.journal.close();
    expect(entries.filter((e) => e.level !== 'info' && e.level !== 'debug')).toEqual([]);
    expect(again.recovered).toMatchObject({ records: 3, tornRecords: 0 });
    expect([...again.recovered.jobs.get('j_aaaaaaaaaa')!.results.keys()]).toEqual([1, 2]);
  });

  it('a refused journal releases the state-dir lock', async () => {
    const broken = encodeFrame(results('j_aaaaaaaaaa', [0]));
    broken[12]! ^= 1;
    await writeFile(journalFile(), Buffer.concat([broken, encodeFrame({ kind: 'job', job: job('j_aaaaaaaaaa') })]));
    await expect(StateStore.open(dir, log(), () => {})).rejects.toMatchObject({ code: ErrorCode.JOURNAL_CORRUPT });
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const { store } = await StateStore.open(dir, log(), () => {}, true);
    await store.close();
  });
});
