import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, ErrorCode, type LogEntry } from '@cohort/shared';
import { deferred } from '@cohort/shared/internal';
import { crc32 } from './crc32.js';
import { encodeFrame, scanJournal, type JournalRecord } from './journal-codec.js';
import { Journal, JOURNAL_FILE, type JournalJob } from './journal.js';

let dir: string;
let entries: LogEntry[];
const log = () => createLogger({ level: 'debug', sink: (e) => entries.push(e) });
const warnings = () => entries.filter((e) => e.level === 'warn');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohort-journal-'));
  entries = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const job = (jobId: string, partitions = 8): JournalJob => ({
  jobId,
  task: 'primes',
  input: { upTo: 1000 },
  partitions,
  timeoutMs: 0,
  maxAttempts: 3,
  createdAt: 1_700_000_000_000,
});
const item = (p: number, value: unknown = p * 10, agent = 'agent-1') => ({ p, a: 1, value, agent, ms: 5, mode: 'thread' as const });
const results = (jobId: string, ps: number[], agent?: string): JournalRecord => ({ kind: 'results', jobId, items: ps.map((p) => item(p, p * 10, agent)) });

async function write(records: JournalRecord[]): Promise<number> {
  const { journal } = await Journal.open(dir, log());
  for (const r of records) journal.append(r);
  await journal.flush();
  await journal.close();
  return (await stat(join(dir, JOURNAL_FILE))).size;
}

function latch(): { promise: Promise<void>; open: () => void } {
  const d = deferred();
  return { promise: d.promise, open: () => d.resolve() };
}

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});

describe('journal format and recovery', () => {
  it('round-trips every record kind, binary values included', async () => {
    const records: JournalRecord[] = [
      { kind: 'job', job: job('j_aaaaaaaaaa') },
      { kind: 'job', job: { ...job('j_bbbbbbbbbb'), priority: 7 } },
      {
        kind: 'results',
        jobId: 'j_aaaaaaaaaa',
        items: [item(0, { count: 168, bytes: Buffer.from([1, 2, 3]) }), { ...item(1, null, 'b'), a: 2, mode: 'process' }],
      },
      { kind: 'finished', jobId: 'j_aaaaaaaaaa', status: 'succeeded', result: [1, 'two', { three: 3 }] },
      { kind: 'finished', jobId: 'j_bbbbbbbbbb', status: 'failed', error: { code: 'PARTITION_FAILED', message: 'partition 3 failed 3 times' } },
    ];
    await write(records);
    const read: JournalRecord[] = [];
    const bytes = await readFile(join(dir, JOURNAL_FILE));
    expect(scanJournal(bytes, (r) => read.push(r))).toEqual({ records: 5, damaged: [], goodBytes: bytes.length });
    expect(read).toEqual(records);
    const { journal, recovered } = await Journal.open(dir, log());
    await journal.close();
    expect(recovered).toMatchObject({ records: 5, tornRecords: 0 });
    expect(recovered.jobs.get('j_bbbbbbbbbb')!.job.priority).toBe(7);
    expect(recovered.jobs.get('j_aaaaaaaaaa')!.job.priority).toBeUndefined();
    expect(recovered.jobs.get('j_bbbbbbbbbb')!.finished).toEqual(records[4]!.kind === 'finished' && { status: 'failed', error: records[4]!.error });
    expect(warnings()).toEqual([]);
  });

  it('a job record whose priority is outside LIMITS.priority is damage, not a job', () => {
    for (const priority of [0, -1, 1.5, 1e9, '2']) {
      const frame = encodeFrame({ kind: 'job', job: { ...job('j_cccccccccc'), priority } } as unknown as JournalRecord);
      const read: JournalRecord[] = [];
      const scan = scanJournal(frame, (r) => read.push(r));
      expect({ priority, records: scan.records, damaged: scan.damaged.length }).toEqual({ priority, records: 0, damaged: 1 });
    }
  });

  it('folds results per job, first result wins, and marks finished jobs', async () => {
    await write([
      { kind: 'job', job: job('j_aaaaaaaaaa') },
      { kind: 'job', job: job('j_bbbbbbbbbb') },
      results('j_aaaaaaaaaa', [0, 1], 'first'),
      results('j_bbbbbbbbbb', [0, 1, 2, 3, 4, 5, 6, 7]),
      results('j_aaaaaaaaaa', [1, 2], 'late'),
      { kind: 'finished', jobId: 'j_bbbbbbbbbb', status: 'succeeded', result: 42 },
    ]);
    const { journal, recovered } = await Journal.open(dir, log());
    await journal.close();
    const a = recovered.jobs.get('j_aaaaaaaaaa')!;
    expect([...a.results.keys()].sort()).toEqual([0, 1, 2]);
    expect(a.results.get(1)!.agent).toBe('first');
    expect(a.finished).toBeUndefined();
    expect(recovered.jobs.get('j_bbbbbbbbbb')!.finished).toEqual({ status: 'succeeded', result: 42 });
    expect(recovered.jobs.get('j_bbbbbbbbbb')!.results.size).toBe(8);
  });

  const torn: Record<string, () => Buffer> = {
    'half a record': () => {
      const frame = encodeFrame(results('j_aaaaaaaaaa', [5, 6, 7]));
      return frame.subarray(0, frame.length >> 1);
    },
    'a header cut short': () => encodeFrame(results('j_aaaaaaaaaa', [5])).subarray(0, 5),
    'random bytes': () => randomBytes(37),
    'a record with a wrong CRC': () => {
      const frame = encodeFrame(results('j_aaaaaaaaaa', [5]));
      frame[frame.length - 1]! ^= 0xff;
      return frame;
    },
  };
  for (const [name, garbage] of Object.entries(torn)) {
    it(`skips a torn tail (${name}) with a warning, truncates it, and appends cleanly after`, async () => {
      const good = await write([{ kind: 'job', job: job('j_aaaaaaaaaa') }, results('j_aaaaaaaaaa', [0, 1])]);
      const bad = garbage();
      await appendFile(join(dir, JOURNAL_FILE), bad);
      entries = [];
      const { journal, recovered } = await Journal.open(dir, log());
      expect(warnings()).toEqual([
        expect.objectContaining({ msg: 'journal torn tail skipped', code: ErrorCode.JOURNAL_CORRUPT, offset: good, bytes: bad.length }),
      ]);
      expect(recovered).toMatchObject({ records: 2, tornRecords: 1, bytes: good });
      expect((await stat(join(dir, JOURNAL_FILE))).size).toBe(good);
      journal.append(results('j_aaaaaaaaaa', [2]));
      await journal.flush();
      await journal.close();
      entries = [];
      const again = await Journal.open(dir, log());
      await again.journal.close();
      expect(warnings()).toEqual([]);
      expect(again.recovered).toMatchObject({ records: 3, tornRecords: 0 });
      expect([...again.recovered.jobs.get('j_aaaaaaaaaa')!.results.keys()]).toEqual([0, 1, 2]);
    });
  }

  it('refuses a corrupt record in the middle (JOURNAL_CORRUPT, naming the offset); recover saves it aside and keeps the rest', async () => {
    const first = encodeFrame({ kind: 'job', job: job('j_aaaaaaaaaa') });
    const broken = encodeFrame(results('j_aaaaaaaaaa', [0]));
    broken[broken.length - 2]! ^= 0x55;
    await writeFile(join(dir, JOURNAL_FILE), Buffer.concat([first, broken, encodeFrame(results('j_aaaaaaaaaa', [1]))]));
    const refused = await Journal.open(dir, log()).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: ErrorCode.JOURNAL_CORRUPT,
      details: { damaged: [{ offset: first.length, bytes: broken.length, reason: 'crc mismatch' }] },
    });
    const { journal, recovered } = await Journal.open(dir, log(), { recover: true });
    await journal.close();
    expect(warnings()).toContainEqual(
      expect.objectContaining({ msg: 'journal damage saved aside', code: ErrorCode.JOURNAL_CORRUPT, offset: first.length, bytes: broken.length }),
    );
    const saved = warnings().find((w) => w.msg === 'journal damage saved aside')!.savedTo as string;
    expect(await readFile(saved)).toEqual(broken);
    expect([...recovered.jobs.get('j_aaaaaaaaaa')!.results.keys()]).toEqual([1]);
    expect(recovered).toMatchObject({ records: 2, tornRecords: 1, lostJobs: [] });
  });

  it('refuses a bad length in the middle; recover resyncs on the next valid frame and keeps every record after it', async () => {
    const first = encodeFrame({ kind: 'job', job: job('j_aaaaaaaaaa') });
    const broken = encodeFrame(results('j_aaaaaaaaaa', [0]));
    broken.writeUInt32LE(broken.length - 8 + 3, 0); // framing lost from here on
    const rest = Buffer.concat([encodeFrame(results('j_aaaaaaaaaa', [1])), encodeFrame(results('j_aaaaaaaaaa', [2]))]);
    await writeFile(join(dir, JOURNAL_FILE), Buffer.concat([first, broken, rest]));
    await expect(Journal.open(dir, log())).rejects.toMatchObject({
      code: ErrorCode.JOURNAL_CORRUPT,
      details: { damaged: [{ offset: first.length, bytes: broken.length }] },
    });
    const { journal, recovered } = await Journal.open(dir, log(), { recover: true });
    await journal.close();
    expect(recovered).toMatchObject({ records: 3, tornRecords: 1, bytes: first.length + rest.length });
    expect([...recovered.jobs.get('j_aaaaaaaaaa')!.results.keys()]).toEqual([1, 2]);
    expect(await readFile(join(dir, JOURNAL_FILE))).toEqual(Buffer.concat([first, rest]));
  });

  it('audit counts results per partition and finds a partition accepted twice', async () => {
    await write([{ kind: 'job', job: job('j_aaaaaaaaaa') }, results('j_aaaaaaaaaa', [0, 1, 2]), results('j_aaaaaaaaaa', [3, 1])]);
    const audit = await Journal.audit(dir);
    expect(audit.acceptedPerPartition.get('j_aaaaaaaaaa:0')).toBe(1);
    expect(audit.acceptedPerPartition.size).toBe(4);
    expect(audit.duplicates).toEqual([{ jobId: 'j_aaaaaaaaaa', p: 1, count: 2 }]);
  });

  it('creates the state directory with mode 0700', async () => {
    const nested = join(dir, 'state', 'inner');
    const { journal } = await Journal.open(nested, log());
    await journal.close();
    expect((await stat(nested)).mode & 0o777).toBe(0o700);
    expect(await readdir(nested)).toEqual([JOURNAL_FILE]);
  });
});

describe('compaction', () => {
  it('drops finished jobs, keeps unfinished ones with their results, and takes appends made meanwhile', async () => {
    const before = await write([
      { kind: 'job', job: job('j_aaaaaaaaaa') },
      { kind: 'job', job: job('j_bbbbbbbbbb') },
      results('j_aaaaaaaaaa', [0, 1, 2, 3, 4, 5, 6, 7]),
      results('j_bbbbbbbbbb', [0, 1]),
      results('j_bbbbbbbbbb', [1, 2]),
      { kind: 'finished', jobId: 'j_aaaaaaaaaa', status: 'succeeded', result: 1 },
    ]);
    const { journal } = await Journal.open(dir, log());
    const compacting = journal.compact();
    journal.append(results('j_bbbbbbbbbb', [3]));
    await Promise.all([compacting, journal.flush()]);
    await journal.close();
    expect((await stat(join(dir, JOURNAL_FILE))).size).toBeLessThan(before);
    expect(await readdir(dir)).toEqual([JOURNAL_FILE]);
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'journal compacted', jobsKept: 1, jobsDropped: 1 }));
    const { journal: reopened, recovered } = await Journal.open(dir, log());
    await reopened.close();
    expect([...recovered.jobs.keys()]).toEqual(['j_bbbbbbbbbb']);
    expect([...recovered.jobs.get('j_bbbbbbbbbb')!.results.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect((await Journal.audit(dir)).duplicates).toEqual([]);
  });
});

describe('group commit', () => {
  it('callers that arrive during a flush share the next fdatasync', async () => {
    const entered = latch();
    const release = latch();
    let held = false;
    const { journal } = await Journal.open(dir, log(), {
      hooks: {
        beforeSync: async () => {
          if (held) return;
          held = true;
          entered.open();
          await release.promise;
        },
      },
    });
    journal.append({ kind: 'job', job: job('j_aaaaaaaaaa') });
    const first = journal.flush();
    await entered.promise; // the first flush has written and is held before its sync
    const later: Promise<void>[] = [];
    for (let p = 0; p < 5; p++) {
      journal.append(results('j_aaaaaaaaaa', [p]));
      later.push(journal.flush());
    }
    expect(new Set(later).size).toBe(1); // all five joined one queued flush
    release.open();
    await Promise.all([first, ...later]);
    expect(journal.stats).toMatchObject({ syncs: 2, records: 6 });
    await journal.flush(); // nothing new: no sync
    expect(journal.stats.syncs).toBe(2);
    await journal.close();
    expect((await Journal.open(dir, log())).recovered.jobs.get('j_aaaaaaaaaa')!.results.size).toBe(5);
  });

  it('rejects every later flush once a write has failed', async () => {
    const { journal } = await Journal.open(dir, log(), { hooks: { beforeSync: () => Promise.reject(new Error('EIO: injected')) } });
    journal.append({ kind: 'job', job: job('j_aaaaaaaaaa') });
    await expect(journal.flush()).rejects.toMatchObject({ code: ErrorCode.INTERNAL });
    journal.append(results('j_aaaaaaaaaa', [0]));
    await expect(journal.flush()).rejects.toMatchObject({ code: ErrorCode.INTERNAL });
    expect(entries).toContainEqual(expect.objectContaining({ level: 'error', msg: 'journal write failed' }));
    await journal.close();
  });
});
