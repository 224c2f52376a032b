/**
 * What the coordinator keeps across restarts, over the append-only journal:
 * a job is journaled (and synced) before its id is returned; accepted results
 * are journaled in one record per job per turn of the event loop and synced
 * before the job can complete; a job's end is synced before watchers are told.
 * A lock file keeps a second live coordinator off the same directory.
 */
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CohortError, ErrorCode, FINISHED_JOB_STATUSES, isOneOf, type Logger } from '@cohort/shared';
import type { Job, Partition } from './job.js';
import { Journal, type JournalResultItem, type RecoveredState } from './journal.js';

export const LOCK_FILE = 'coordinator.lock';
/** Compact the journal at start-up once it is larger than this. */
export const COMPACT_OVER_BYTES = 64 * 1024 * 1024;

function acquireLock(dir: string, log: Logger): string {
  const path = join(dir, LOCK_FILE);
  const me = { pid: process.pid, hostname: os.hostname(), startedAt: Date.now() };
  try {
    writeFileSync(path, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
    return path;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder: { pid?: number; hostname?: string } = {};
  try {
    holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
  } catch {
    // unreadable: treat as stale
  }
  // In a container the coordinator is often pid 1 both before and after a restart: our own pid is stale.
  const alive = holder.hostname === me.hostname && holder.pid !== undefined && holder.pid !== process.pid && pidAlive(holder.pid);
  if (alive) {
    throw new CohortError(ErrorCode.STATE_DIR_LOCKED, `state directory ${dir} is held by coordinator pid ${holder.pid} on ${holder.hostname}`);
  }
  log.warn('stale state-dir lock taken over', { holderPid: holder.pid, holderHost: holder.hostname });
  writeFileSync(path, JSON.stringify(me), { mode: 0o600 });
  return path;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class StateStore {
  private pending = new Map<string, JournalResultItem[]>();
  /** Results appended to the journal, per unfinished job. */
  private readonly appended = new Map<string, number>();
  /** Results known durable (written out by a completed flush), per unfinished job. */
  private readonly durable = new Map<string, number>();
  /** Told which jobs have more durable results after a flush (the progress streams). */
  onDurable: ((jobIds: readonly string[]) => void) | undefined;
  private scheduled = false;
  /** Told how long each fdatasync of the journal took, seconds. */
  set onSync(fn: ((seconds: number) => void) | undefined) {
    this.journal.onSync = fn;
  }
  private failed: Error | undefined;

  private constructor(
    private readonly journal: Journal,
    private readonly lockPath: string,
    private readonly log: Logger,
    private readonly onFatal: (err: CohortError) => void,
  ) {}

  /** `recover`: save a damaged journal's damage aside and keep every valid record, instead of refusing (JOURNAL_CORRUPT). */
  static async open(dir: string, log: Logger, onFatal: (err: CohortError) => void, recover = false): Promise<{ store: StateStore; recovered: RecoveredState }> {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lockPath = acquireLock(dir, log);
    let opened: Awaited<ReturnType<typeof Journal.open>>;
    try {
      opened = await Journal.open(dir, log, { recover });
    } catch (err) {
      rmSync(lockPath, { force: true }); // a refused journal must not keep the directory locked
      throw err;
    }
    const { journal, recovered } = opened;
    if (recovered.bytes > COMPACT_OVER_BYTES) await journal.compact();
    log.info('journal recovered', { dir, records: recovered.records, jobs: recovered.jobs.size, tornRecords: recovered.tornRecords, bytes: recovered.bytes });
    return { store: new StateStore(journal, lockPath, log, onFatal), recovered };
  }

  /** Journal a new job and wait until it is durable. */
  async jobSubmitted(job: Job, requestedPartitions: number, input: unknown): Promise<void> {
    this.journal.append({
      kind: 'job',
      job: {
        jobId: job.id,
        task: job.spec.task,
        input,
        partitions: requestedPartitions,
        timeoutMs: job.spec.timeoutMs,
        maxAttempts: job.spec.maxAttempts,
        ...(job.spec.priority !== undefined && { priority: job.spec.priority }),
        createdAt: job.createdAt,
        ...(job.spec.shared && { shared: job.spec.shared }),
      },
    });
    await this.flush();
  }

  /** Called once per accepted partition, inside the socket handler: batched into one record per job. */
  resultAccepted(job: Job, p: Partition, attempt: number): void {
    let items = this.pending.get(job.id);
    if (!items) this.pending.set(job.id, (items = []));
    items.push({ p: p.index, a: attempt, value: p.value, agent: p.winner ?? '', ms: p.ms, mode: p.mode ?? 'thread' });
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.appendPending());
    }
  }

  private appendPending(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    this.drainPending();
    void this.flush().catch(() => {});
  }

  /** Put the accepted results gathered this turn into the journal's buffer, one record per job. */
  private drainPending(): void {
    for (const [jobId, items] of this.pending) this.appendResults(jobId, items);
    this.pending.clear();
  }

  private appendResults(jobId: string, items: JournalResultItem[]): void {
    try {
      this.journal.append({ kind: 'results', jobId, items });
      this.appended.set(jobId, (this.appended.get(jobId) ?? 0) + items.length);
      return;
    } catch {
      // Find the item that does not encode.
    }
    for (const item of items) {
      try {
        this.journal.append({ kind: 'results', jobId, items: [item] });
        this.appended.set(jobId, (this.appended.get(jobId) ?? 0) + 1);
      } catch (err) {
        this.log.error('accepted result not journaled: it cannot be encoded', { jobId, partition: item.p, code: (err as { code?: string }).code });
      }
    }
  }

  async jobFinished(job: Job): Promise<void> {
    this.drainPending();
    const status = job.status;
    if (!isOneOf(status, FINISHED_JOB_STATUSES)) throw new CohortError(ErrorCode.INTERNAL, `job ${job.id} recorded as finished while ${status}`);
    const record = { kind: 'finished' as const, jobId: job.id, status };
    this.journal.append(job.error ? { ...record, error: { code: job.error.code, message: job.error.message } } : { ...record, result: job.result });
    this.appended.delete(job.id);
    this.durable.delete(job.id);
    await this.flush();
  }

  /**
   * How many results of an unfinished job accepted by this run are durable:
   * what a watcher may be told is done, so that a crash right after it is
   * told can never take back a partition it saw done.
   */
  durableResults(jobId: string): number {
    return this.durable.get(jobId) ?? 0;
  }

  /** `durableResults`, as a function to hand around. */
  readonly durableCount = (jobId: string): number => this.durableResults(jobId);

  /** Everything appended so far is durable when this resolves. A failure is fatal. */
  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    this.drainPending();
    const upTo = [...this.appended];
    try {
      await this.journal.flush();
    } catch (err) {
      if (!this.failed) {
        this.failed = new CohortError(ErrorCode.JOURNAL_WRITE_FAILED, `journal write failed: ${(err as Error).message}`, { cause: err });
        this.log.error('journal write failed; stopping', { code: ErrorCode.JOURNAL_WRITE_FAILED, message: (err as Error).message });
        this.onFatal(this.failed as CohortError);
      }
      throw this.failed;
    }
    this.countDurable(upTo);
  }

  /** What was appended before a completed flush is durable; tell `onDurable` which jobs gained. */
  private countDurable(upTo: ReadonlyArray<[string, number]>): void {
    const grown: string[] = [];
    for (const [jobId, n] of upTo) {
      if (!this.appended.has(jobId) || (this.durable.get(jobId) ?? 0) >= n) continue;
      this.durable.set(jobId, n);
      grown.push(jobId);
    }
    if (grown.length === 0 || !this.onDurable) return;
    try {
      this.onDurable(grown);
    } catch (err) {
      this.log.error('durable-results listener failed', { message: (err as Error).message });
    }
  }

  async close(): Promise<void> {
    this.drainPending();
    await this.journal.flush().catch(() => {});
    await this.journal.close();
    rmSync(this.lockPath, { force: true });
  }
}
