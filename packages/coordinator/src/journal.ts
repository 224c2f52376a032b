/**
 * The coordinator's append-only journal (`--state-dir DIR` → `DIR/journal.log`):
 * jobs submitted, partition results accepted, jobs finished. After a restart,
 * `Journal.open` replays it, so unfinished jobs resume and only partitions with
 * no accepted result run again.
 *
 * `append` only buffers. `flush` writes everything buffered with one `write`,
 * then `fdatasync`s; callers that arrive while a flush is under way share the
 * next one (group commit). A torn tail (an incomplete last record) is cut off
 * with a warning. Damage with valid records after it is refused
 * (JOURNAL_CORRUPT) unless `recover` is set: then the damage is saved aside and
 * every valid record kept (journal-recovery.ts). Frame format and scanning
 * live in journal-codec.ts.
 */
import { mkdir, open, readFile, rename, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { assertNever, CohortError, ErrorCode, type Logger } from '@cohort/shared';
import { encodeFrame, scanJournal, type Damage, type JournalFinished, type JournalJob, type JournalRecord, type SlotModeName } from './journal-codec.js';
import { jobIdsIn, journalCorrupt, recoverJournal, syncDir, writeDurable } from './journal-recovery.js';

export type { JournalJob, JournalRecord, JournalResultItem, JournalFinished } from './journal-codec.js';

export const JOURNAL_FILE = 'journal.log';
/** Results per record when compaction rewrites a job's accepted results. */
export const COMPACT_RESULTS_PER_RECORD = 10_000;

export interface RecoveredResult {
  value: unknown;
  a: number;
  agent: string;
  ms: number;
  mode: SlotModeName;
}
export interface RecoveredJob {
  job: JournalJob;
  results: Map<number, RecoveredResult>;
  finished?: JournalFinished;
}
export interface RecoveredState {
  jobs: Map<string, RecoveredJob>;
  records: number;
  tornRecords: number;
  bytes: number;
  /** Damaged ranges found (and, since the journal opened, saved aside by `recover`). */
  damaged: Damage[];
  /** Jobs whose job record is missing (lost to damage): restored as finished, failed with JOURNAL_CORRUPT unless their end survived. */
  lostJobs: string[];
}

/** Named fault-injection points; the default does nothing. */
export interface JournalHooks {
  /** After the write of a flush, before its fdatasync. A test can hold a flush here. */
  beforeSync(): void | Promise<void>;
}
export interface JournalOptions {
  hooks?: Partial<JournalHooks>;
  /** Save damaged ranges aside and keep every valid record, instead of refusing to open (`--journal-recover`). */
  recover?: boolean;
}
export interface JournalStats {
  records: number;
  flushes: number;
  syncs: number;
  bytes: number;
}

type JournalState = 'open' | 'closing' | 'closed';

export class Journal {
  readonly stats: JournalStats = { records: 0, flushes: 0, syncs: 0, bytes: 0 };
  private state: JournalState = 'open';
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** The last I/O operation queued; flushes, compaction and close run one at a time, in order. */
  private tail: Promise<void> = Promise.resolve();
  /** A flush queued and not yet started: later callers join it. */
  private queuedFlush: Promise<void> | undefined;
  /** Once a write or sync fails, nothing after it can be trusted (fsyncgate): every later flush rejects. */
  private failure: CohortError | undefined;
  /** Told how long each flush's fdatasync took, seconds (the metrics' journal-sync). */
  onSync: ((seconds: number) => void) | undefined;

  private constructor(
    readonly dir: string,
    private handle: FileHandle,
    private readonly log: Logger,
    private readonly hooks: Partial<JournalHooks>,
  ) {}

  get path(): string {
    return join(this.dir, JOURNAL_FILE);
  }

  /**
   * Create `dir` (0700) if needed, replay the journal, cut off a torn tail, and open it for append.
   * Throws JOURNAL_CORRUPT on damage followed by valid records, unless `options.recover`.
   */
  static async open(dir: string, log: Logger, options: JournalOptions = {}): Promise<{ journal: Journal; recovered: RecoveredState }> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, JOURNAL_FILE);
    const existing = await readIfExists(path);
    const buf = existing ?? Buffer.alloc(0);
    const jobs = new Map<string, RecoveredJob>();
    const orphans = new Map<string, RecoveredJob>();
    const scan = scanJournal(buf, (record) => fold(jobs, record, orphans));
    let bytes = scan.goodBytes;
    if (scan.damaged.length > 0) {
      if (!options.recover) throw journalCorrupt(path, scan);
      bytes = (await recoverJournal(path, buf, scan, log)).bytesAfter;
    } else if (scan.tail) {
      log.warn('journal torn tail skipped', {
        code: ErrorCode.JOURNAL_CORRUPT,
        path,
        offset: scan.tail.offset,
        bytes: scan.tail.bytes,
        reason: scan.tail.reason,
      });
      await truncate(path, scan.goodBytes);
    }
    const { lost: lostJobs, ended } = adoptLostJobs(jobs, orphans, jobIdsIn(buf, scan.damaged), log);
    const handle = await open(path, 'a', 0o600);
    if (existing === undefined) await syncDir(dir);
    if (scan.tail && scan.damaged.length === 0) await handle.datasync();
    const tornRecords = scan.damaged.length + (scan.tail ? 1 : 0);
    const unfinished = [...jobs.values()].filter((j) => !j.finished).length;
    log.info('journal opened', { path, records: scan.records, tornRecords, bytes, jobs: jobs.size, unfinished });
    const journal = new Journal(dir, handle, log, options.hooks ?? {});
    // Journal the end given to each lost job, so the next start (the damage gone) still knows it.
    for (const id of ended) journal.append({ kind: 'finished', jobId: id, ...jobs.get(id)!.finished! });
    if (ended.length > 0) await journal.flush();
    return { journal, recovered: { jobs, records: scan.records, tornRecords, bytes, damaged: scan.damaged, lostJobs } };
  }

  /** Buffer a record in memory. It is not durable until a later `flush()` resolves. */
  append(record: JournalRecord): void {
    if (this.state !== 'open') throw new CohortError(ErrorCode.INTERNAL, `journal append after close (${record.kind})`);
    const frame = encodeFrame(record);
    this.buffered.push(frame);
    this.bufferedBytes += frame.length;
  }

  /** Write everything appended so far and fdatasync it; resolves when durable. Concurrent calls coalesce (group commit). */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.queuedFlush) return this.queuedFlush;
    // Nothing new: wait for whatever is in flight, since it holds this caller's earlier appends.
    if (this.bufferedBytes === 0) return this.tail.then(() => this.check());
    const flush = this.enqueue(() => this.writeOut());
    this.queuedFlush = flush;
    return flush;
  }

  /** Rewrite the file keeping only unfinished jobs and their results: temp file, fdatasync, rename, fsync dir. */
  compact(): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new CohortError(ErrorCode.INTERNAL, 'journal compact after close'));
    return this.enqueue(() => this.rewrite());
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return this.tail;
    this.state = 'closing';
    try {
      if (this.bufferedBytes > 0 && !this.failure) await this.flush();
    } finally {
      await this.enqueue(() => this.handle.close());
      this.state = 'closed';
    }
  }

  /** Count of results recorded per (jobId, p) across the whole file, for proofs in tests: a partition accepted twice would show 2. */
  static async audit(dir: string): Promise<{ acceptedPerPartition: Map<string, number>; duplicates: Array<{ jobId: string; p: number; count: number }> }> {
    const acceptedPerPartition = new Map<string, number>();
    const buf = (await readIfExists(join(dir, JOURNAL_FILE))) ?? Buffer.alloc(0);
    scanJournal(buf, (record) => {
      if (record.kind !== 'results') return;
      for (const item of record.items) {
        const key = `${record.jobId}:${item.p}`;
        acceptedPerPartition.set(key, (acceptedPerPartition.get(key) ?? 0) + 1);
      }
    });
    const duplicates: Array<{ jobId: string; p: number; count: number }> = [];
    for (const [key, count] of acceptedPerPartition) {
      if (count < 2) continue;
      const cut = key.lastIndexOf(':');
      duplicates.push({ jobId: key.slice(0, cut), p: Number(key.slice(cut + 1)), count });
    }
    return { acceptedPerPartition, duplicates };
  }

  // ---------------------------------------------------------------- internals

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.tail.then(op);
    this.tail = run.catch(() => {});
    return run;
  }

  private async writeOut(): Promise<void> {
    this.queuedFlush = undefined;
    this.check();
    if (this.bufferedBytes === 0) return;
    const chunks = this.buffered;
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
    let syncMs: number;
    try {
      for (let written = 0; written < data.length; ) written += (await this.handle.write(data, written, data.length - written)).bytesWritten;
      await this.hooks.beforeSync?.();
      const syncStart = performance.now();
      await this.handle.datasync();
      syncMs = performance.now() - syncStart;
    } catch (err) {
      this.failure = new CohortError(ErrorCode.INTERNAL, 'journal write failed; the coordinator cannot promise durability', {
        cause: err,
        details: { path: this.path, bytes: data.length, records: chunks.length },
      });
      this.log.error('journal write failed', { path: this.path, error: (err as Error).message, code: (err as { code?: unknown }).code });
      throw this.failure;
    }
    this.stats.flushes++;
    this.stats.syncs++;
    this.stats.records += chunks.length;
    this.stats.bytes += data.length;
    this.onSync?.(syncMs / 1000);
  }

  private async rewrite(): Promise<void> {
    this.check();
    const before = (await readIfExists(this.path)) ?? Buffer.alloc(0);
    const jobs = new Map<string, RecoveredJob>();
    scanJournal(before, (record) => fold(jobs, record, new Map()));
    const frames: Buffer[] = [];
    let kept = 0;
    for (const { job, results, finished } of jobs.values()) {
      if (finished) continue;
      kept++;
      frames.push(encodeFrame({ kind: 'job', job }));
      const items = [...results].map(([p, r]) => ({ p, a: r.a, value: r.value, agent: r.agent, ms: r.ms, mode: r.mode }));
      for (let i = 0; i < items.length; i += COMPACT_RESULTS_PER_RECORD) {
        frames.push(encodeFrame({ kind: 'results', jobId: job.jobId, items: items.slice(i, i + COMPACT_RESULTS_PER_RECORD) }));
      }
    }
    const after = Buffer.concat(frames);
    const tmp = `${this.path}.compact`;
    try {
      await writeDurable(tmp, after);
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err; // the old journal is untouched and still open
    }
    try {
      await syncDir(this.dir);
      await this.handle.close();
      this.handle = await open(this.path, 'a', 0o600);
    } catch (err) {
      this.failure = new CohortError(ErrorCode.INTERNAL, 'journal reopen after compaction failed', { cause: err, details: { path: this.path } });
      throw this.failure;
    }
    this.log.info('journal compacted', {
      path: this.path,
      bytesBefore: before.length,
      bytesAfter: after.length,
      jobsKept: kept,
      jobsDropped: jobs.size - kept,
    });
  }
}

/** A stand-in for a job whose job record was lost: enough for a report, never enough to run it again. */
function lostJob(jobId: string): RecoveredJob {
  return { job: { jobId, task: '(unknown: job record lost)', input: null, partitions: 0, timeoutMs: 0, maxAttempts: 1, createdAt: 0 }, results: new Map() };
}

function jobFor(jobs: Map<string, RecoveredJob>, orphans: Map<string, RecoveredJob>, jobId: string): RecoveredJob {
  let rj = jobs.get(jobId) ?? orphans.get(jobId);
  if (!rj) orphans.set(jobId, (rj = lostJob(jobId)));
  return rj;
}

/**
 * Fold one record into the recovered state. The first result for a partition wins, as it does in the cluster.
 * Results and ends of a job with no job record go to `orphans`, never silently away.
 */
function fold(jobs: Map<string, RecoveredJob>, record: JournalRecord, orphans: Map<string, RecoveredJob>): void {
  switch (record.kind) {
    case 'job':
      if (!jobs.has(record.job.jobId)) jobs.set(record.job.jobId, { job: record.job, results: new Map() });
      return;
    case 'results': {
      const rj = jobFor(jobs, orphans, record.jobId);
      // No upper bound on p: `partitions` may be the count asked of split(), not the count it returned.
      for (const { p, a, value, agent, ms, mode } of record.items) if (!rj.results.has(p)) rj.results.set(p, { value, a, agent, ms, mode });
      return;
    }
    case 'finished': {
      const rj = jobFor(jobs, orphans, record.jobId);
      rj.finished = { status: record.status };
      if ('result' in record) rj.finished.result = record.result;
      if (record.error) rj.finished.error = record.error;
      return;
    }
    default:
      assertNever(record, 'journal record');
  }
}

/**
 * Jobs whose job record is missing (records for them survive, or their id is
 * in the damaged bytes) become finished jobs: with their own end if it
 * survived, otherwise failed with JOURNAL_CORRUPT (`ended`: the caller
 * journals that end). So an acknowledged job is never NOT_FOUND; and each one
 * is logged as an error.
 */
function adoptLostJobs(
  jobs: Map<string, RecoveredJob>,
  orphans: Map<string, RecoveredJob>,
  mentioned: Set<string>,
  log: Logger,
): { lost: string[]; ended: string[] } {
  for (const id of mentioned) if (!jobs.has(id) && !orphans.has(id)) orphans.set(id, lostJob(id));
  let orphanResults = 0;
  const ended: string[] = [];
  for (const [id, rj] of orphans) {
    orphanResults += rj.results.size;
    rj.job.partitions = rj.results.size;
    if (!rj.finished) ended.push(id);
    rj.finished ??= {
      status: 'failed',
      error: {
        code: ErrorCode.JOURNAL_CORRUPT,
        message: `the job record of ${id} was lost to journal damage; ${rj.results.size} accepted results survive, but the job cannot run again`,
      },
    };
    jobs.set(id, rj);
  }
  const lost = [...orphans.keys()];
  if (lost.length > 0) log.error('journal lost job records', { code: ErrorCode.JOURNAL_CORRUPT, jobs: lost, orphanResults });
  return { lost, ended };
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
