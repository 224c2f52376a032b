/**
 * The shared job values on this agent: one per hash, in one
 * SharedArrayBuffer, shared by every job that names it.
 *
 * - `acquire(jobId, ref)` records that the job uses the value (a reference
 *   per job) and answers at once when the value is here, or with a promise
 *   that settles when its fetch does. The first job starts the fetch
 *   (fetch/fetch-machine.ts, `shared-get` over the link): parts are written
 *   straight into the buffer, the whole is checked against the hash.
 * - The sum of the values held or being fetched stays within `maxBytes`: a
 *   value that would pass it first frees values that no work on this agent
 *   uses (`inUse`: their jobs may not have ended, but a job that sends more
 *   work fetches its value again), oldest first; if it still does not fit,
 *   it fails with SHARED_TOO_LARGE before any fetch.
 * - `release(jobId)` drops that job's reference; the last one frees the
 *   value (a fetch in flight is cancelled) and tells the slots (`dropped`).
 *   A release for a job not known here is ignored.
 * - A failed fetch forgets the value and its references: the held work
 *   fails, the coordinator retries, the next assign fetches again.
 * - `clear()` (a restarted coordinator) drops everything.
 * - Process slots read a value from a file written once per value
 *   (shared-file.ts), not over IPC: see `SharedFiles`.
 */
import {
  CohortError,
  ErrorCode,
  SHARED_CHUNK_BYTES,
  type Logger,
  type SharedGetMessage,
  type SharedPartMessage,
  type SharedRef,
  type SharedRefusedMessage,
} from '@cohort/shared';
import { ChunkFetch, type FetchKind } from '../fetch/fetch-machine.js';
import { FetchRunner } from '../fetch/fetch-runner.js';

/**
 * Shared-value parts asked for at once (1 MiB each): enough to keep a loopback or LAN link busy while
 * the coordinator reads the next parts from disk; half the coordinator's bound on reads in flight.
 */
export const SHARED_FETCH_WINDOW = 16;
import { SharedFiles } from './shared-file.js';

/** A shared value's bytes: a view over the whole of one SharedArrayBuffer. */
export type SharedBytes = Uint8Array<SharedArrayBuffer>;

export const SHARED_FETCH: FetchKind<SharedBytes> = {
  what: 'shared value',
  chunkBytes: SHARED_CHUNK_BYTES,
  tooLarge: ErrorCode.SHARED_TOO_LARGE,
  mismatch: ErrorCode.SHARED_HASH_MISMATCH,
  failed: ErrorCode.SHARED_FETCH_FAILED,
  alloc: (bytes) => new Uint8Array(new SharedArrayBuffer(bytes)),
};

export interface SharedStoreOptions {
  /** The most bytes of shared values held at once (the sum), and so the largest one. */
  maxBytes: number;
  /** Send a request over the link; false when the link cannot carry it. */
  send(message: SharedGetMessage): boolean;
  /** The value `hash` was freed: every slot drops its view or copy. */
  dropped(hash: string): void;
  /** A private directory for the copies process slots read (the bundle cache directory). */
  dir: string;
  logger: Logger;
  /** Parts asked for and not yet received; SHARED_FETCH_WINDOW unless set. */
  window?: number;
  silenceMs?: number;
  /** The hashes of values that work on this agent uses now (queued, running, held): never freed to make room. Default: all. */
  inUse?: () => Iterable<string>;
}

interface Value {
  ref: SharedRef;
  jobs: Set<string>;
  bytes?: SharedBytes;
  loading?: Promise<void>;
}

export class SharedStore {
  private readonly values = new Map<string, Value>();
  private readonly jobs = new Map<string, string>();
  private readonly fetches: FetchRunner<SharedBytes>;
  private readonly files: SharedFiles;
  private readonly log: Logger;

  constructor(private readonly options: SharedStoreOptions) {
    this.log = options.logger.child({ component: 'shared-store' });
    this.files = new SharedFiles(options.dir, this.log);
    this.fetches = new FetchRunner<SharedBytes>({
      send: (hash, jobId, offset) => options.send({ type: 'shared-get', jobId: this.askingJob(hash, jobId), hash, offset }),
      ...(options.silenceMs !== undefined && { silenceMs: options.silenceMs }),
      logger: this.log,
      what: 'shared value',
    });
  }

  /** Bytes of the values held or being fetched. */
  get heldBytes(): number {
    let sum = 0;
    for (const v of this.values.values()) sum += v.ref.bytes;
    return sum;
  }

  /** Values held or being fetched. */
  get size(): number {
    return this.values.size;
  }

  /** The bytes of `hash`, when here. */
  bytes(hash: string): SharedBytes | undefined {
    return this.values.get(hash)?.bytes;
  }

  /** The jobs that hold a reference to `hash`. */
  holders(hash: string): ReadonlySet<string> {
    return this.values.get(hash)?.jobs ?? new Set();
  }

  /**
   * Job `jobId` uses `ref`: undefined when the value is here now, else a
   * promise that settles with its fetch (rejected with the fetch's code, or
   * SHARED_TOO_LARGE when it would not fit).
   */
  acquire(jobId: string, ref: SharedRef): Promise<void> | undefined {
    const known = this.values.get(ref.hash);
    if (known) {
      if (known.ref.bytes !== ref.bytes) return Promise.reject(this.sizeLie(known.ref, ref));
      this.hold(known, jobId);
      return known.bytes ? undefined : known.loading;
    }
    if (this.heldBytes + ref.bytes > this.options.maxBytes) this.makeRoom(ref.bytes);
    const held = this.heldBytes;
    if (held + ref.bytes > this.options.maxBytes) return Promise.reject(this.tooLarge(ref, held));
    const value: Value = { ref, jobs: new Set() };
    this.values.set(ref.hash, value);
    this.hold(value, jobId);
    const loading = this.fetch(value, jobId);
    // Held work awaits it; a fetch cancelled by the last release has nobody left to tell.
    loading.catch(() => {});
    value.loading = loading;
    return loading;
  }

  /** Job `jobId` ended: drop its reference. False when no value is held for it. */
  release(jobId: string): boolean {
    const hash = this.jobs.get(jobId);
    if (hash === undefined) return false;
    this.jobs.delete(jobId);
    const value = this.values.get(hash);
    if (!value) return true;
    value.jobs.delete(jobId);
    if (value.jobs.size === 0) this.forget(value, 'every job that used it ended');
    return true;
  }

  /** The path of a copy of `hash` for a process slot (written on first use). */
  fileFor(hash: string): string | undefined {
    const bytes = this.bytes(hash);
    return bytes ? this.files.fileFor(hash, bytes) : undefined;
  }

  /** Write the copy for process slots ahead of their first batch, off the main thread; undefined when there is nothing to wait for. Never rejects. */
  prepareFile(hash: string): Promise<void> | undefined {
    const bytes = this.bytes(hash);
    return bytes ? this.files.prepare(hash, bytes) : undefined;
  }

  receive(msg: SharedPartMessage | SharedRefusedMessage): void {
    this.fetches.receive(msg);
  }

  /** Fail every fetch in flight (the link went down, the agent stops); values held stay. */
  abortAll(why: string): void {
    this.fetches.abortAll(why);
  }

  /** Drop every value and reference (a restarted coordinator issued none of these jobs, or the agent stops). */
  clear(why: string): number {
    const values = [...this.values.values()];
    for (const value of values) this.forget(value, why);
    return values.length;
  }

  private hold(value: Value, jobId: string): void {
    if (value.jobs.has(jobId)) return;
    const other = this.jobs.get(jobId);
    // A job names one value; a header that changed its mind keeps the first.
    if (other !== undefined && other !== value.ref.hash) return;
    value.jobs.add(jobId);
    this.jobs.set(jobId, value.ref.hash);
  }

  private async fetch(value: Value, jobId: string): Promise<void> {
    const { ref } = value;
    const limits = { maxBytes: this.options.maxBytes, window: this.options.window ?? SHARED_FETCH_WINDOW, expectedBytes: ref.bytes };
    try {
      const bytes = await this.fetches.run(new ChunkFetch(ref.hash, jobId, limits, SHARED_FETCH));
      if (this.values.get(ref.hash) !== value) throw this.gone(ref.hash);
      value.bytes = bytes;
      delete value.loading;
      this.log.info('shared value held', { hash: ref.hash, bytes: ref.bytes, kind: ref.kind, jobs: value.jobs.size, heldBytes: this.heldBytes });
    } catch (err) {
      if (this.values.get(ref.hash) === value) this.forget(value, 'its fetch failed');
      throw err;
    }
  }

  /** Free values held (not being fetched) that no work uses, oldest first, until `bytes` more fit. */
  private makeRoom(bytes: number): void {
    if (!this.options.inUse) return;
    const used = new Set(this.options.inUse());
    for (const value of [...this.values.values()]) {
      if (this.heldBytes + bytes <= this.options.maxBytes) return;
      if (value.bytes && !used.has(value.ref.hash)) this.forget(value, 'room for another value: no work here uses it');
    }
  }

  private forget(value: Value, why: string): void {
    const hash = value.ref.hash;
    if (this.values.get(hash) !== value) return;
    this.values.delete(hash);
    for (const jobId of value.jobs) if (this.jobs.get(jobId) === hash) this.jobs.delete(jobId);
    this.fetches.cancel(hash, why);
    this.files.remove(hash);
    if (value.bytes) {
      this.log.info('shared value freed', { hash, bytes: value.ref.bytes, why, heldBytes: this.heldBytes });
      this.options.dropped(hash);
    }
  }

  /** A fetch asks on behalf of a job that still holds the value (the first may have ended). */
  private askingJob(hash: string, jobId: string): string {
    const jobs = this.values.get(hash)?.jobs;
    if (!jobs || jobs.has(jobId)) return jobId;
    for (const other of jobs) return other;
    return jobId;
  }

  private tooLarge(ref: SharedRef, held: number): CohortError {
    return new CohortError(
      ErrorCode.SHARED_TOO_LARGE,
      `shared value ${ref.hash} is ${ref.bytes} bytes; with the ${held} bytes held, this agent takes at most ${this.options.maxBytes}`,
      { details: { hash: ref.hash, bytes: ref.bytes, heldBytes: held, maxBytes: this.options.maxBytes } },
    );
  }

  private sizeLie(known: SharedRef, ref: SharedRef): CohortError {
    return new CohortError(ErrorCode.SHARED_HASH_MISMATCH, `shared value ${ref.hash} was named with ${known.bytes} bytes, now with ${ref.bytes}`, {
      details: { hash: ref.hash, bytes: ref.bytes, knownBytes: known.bytes },
    });
  }

  private gone(hash: string): CohortError {
    return new CohortError(ErrorCode.SHARED_FETCH_FAILED, `shared value ${hash} was released while it was fetched`, { details: { hash } });
  }
}
