/**
 * The agent's task bundles on disk: `<cacheDir>/<hash>.mjs`, each verified
 * before its first use in this process, bounded by `maxBytes`, least
 * recently used evicted first. The slots import them from there
 * (`loadTask('sha256:<hash>', { bundleDir })`).
 *
 * - `ensure(hash, jobId)` resolves once the bundle is on disk and sound.
 *   Concurrent callers of one hash share one check and one fetch.
 * - A file found on disk is hashed once per process before first use; a
 *   damaged one is deleted and fetched again.
 * - A fetch runs the machine of fetch-machine.ts over the link: this class
 *   sends its requests, routes the coordinator's parts and refusals to it,
 *   arms its silence timer, and writes what it verified atomically (a
 *   temporary file, then rename). Bytes that fail the hash are never written.
 * - Use refreshes a file's mtime (at most once per TOUCH_EVERY_MS); after a
 *   write, files are evicted oldest mtime first until the directory is
 *   within `maxBytes`, sparing the one just written, fetches in flight and
 *   what the current jobs need (`inUse`). Several agents on one host may
 *   share the directory: a file that vanished is fetched again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CohortError,
  ErrorCode,
  bundleFileName,
  sha256Hex,
  type BundleGetMessage,
  type BundlePartMessage,
  type BundleRefusedMessage,
  type Logger,
} from '@cohort/shared';
import { FETCH_SILENCE_MS, FETCH_WINDOW, FetchRunner } from '../fetch/fetch-runner.js';
import { BundleFetch } from './fetch-machine.js';

export { FETCH_SILENCE_MS, FETCH_WINDOW };
/** A bundle's mtime is refreshed on use at most this often. */
export const TOUCH_EVERY_MS = 1000;

const BUNDLE_FILE = /^([0-9a-f]{64})\.mjs$/;

export interface BundleCacheOptions {
  /** The cache directory (exists, private to this user). */
  dir: string;
  /** The most bytes of bundles kept; also the largest bundle taken. */
  maxBytes: number;
  /** Send a request over the link; false when the link cannot carry it. */
  send(message: BundleGetMessage): boolean;
  /** The hashes the current jobs need (queued, running or held): never evicted. */
  inUse?(): Iterable<string>;
  logger: Logger;
  window?: number;
  silenceMs?: number;
  now?(): number;
}

export class BundleCache {
  /** Hashed and found sound (or written) by this process, and not seen gone since. */
  private readonly verified = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly fetches: FetchRunner<Buffer>;
  private readonly touched = new Map<string, number>();
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly options: BundleCacheOptions) {
    this.log = options.logger.child({ component: 'bundle-cache' });
    this.now = options.now ?? Date.now;
    this.fetches = new FetchRunner<Buffer>({
      send: (hash, jobId, offset) => options.send({ type: 'bundle-get', jobId, hash, offset }),
      ...(options.silenceMs !== undefined && { silenceMs: options.silenceMs }),
      logger: this.log,
      what: 'bundle',
    });
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Bytes of bundles in the directory now (shared with any agent using it); 0 when it cannot be read. */
  async diskBytes(): Promise<number> {
    const files = await this.listBundles().catch(() => []);
    return files.reduce((sum, f) => sum + f.size, 0);
  }

  file(hash: string): string {
    return path.join(this.options.dir, bundleFileName(hash));
  }

  /**
   * On disk and verified by this process: work may go to the slots at once.
   * The file is looked for each time (one stat per assign frame of a shipped
   * task): an agent sharing the directory may have evicted it, and then it is
   * fetched again rather than failing an attempt in the slot.
   */
  isReady(hash: string): boolean {
    if (!this.verified.has(hash) || this.pending.has(hash)) return false;
    if (existsSync(this.file(hash))) return true;
    this.verified.delete(hash);
    this.touched.delete(hash);
    this.log.info('bundle gone from the cache directory; it will be fetched again', { hash });
    return false;
  }

  /** Hashes being checked or fetched now. */
  busy(): Iterable<string> {
    return this.pending.keys();
  }

  /** Resolve once bundle `hash` is on disk and sound; `jobId` names the job the fetch asks on behalf of. */
  ensure(hash: string, jobId: string): Promise<void> {
    const pending = this.pending.get(hash);
    if (pending) return pending;
    if (this.verified.has(hash)) return this.touch(hash);
    const loading = this.load(hash, jobId).finally(() => this.pending.delete(hash));
    this.pending.set(hash, loading);
    return loading;
  }

  /** A part or a refusal from the coordinator; ignored when no fetch of that hash is in flight. */
  receive(msg: BundlePartMessage | BundleRefusedMessage): void {
    this.fetches.receive(msg);
  }

  /** Fail every fetch in flight (the link went down, the coordinator restarted, the agent stops). */
  abortAll(why: string): void {
    this.fetches.abortAll(why);
  }

  /** Refresh the mtime of a bundle in use (throttled); a file found gone is fetched again next time. Never rejects. */
  touch(hash: string): Promise<void> {
    const now = this.now();
    const last = this.touched.get(hash);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return Promise.resolve();
    this.touched.set(hash, now);
    const at = new Date(now);
    return utimes(this.file(hash), at, at).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') return;
      this.verified.delete(hash);
      this.touched.delete(hash);
      this.log.info('bundle gone from the cache directory; it will be fetched again', { hash });
    });
  }

  private async load(hash: string, jobId: string): Promise<void> {
    if (await this.fromDisk(hash)) return;
    const bytes = await this.fetch(hash, jobId);
    await this.write(hash, bytes);
    this.verified.add(hash);
    this.touched.delete(hash);
    await this.touch(hash);
    this.log.info('bundle fetched', { hash, bytes: bytes.length, jobId });
    await this.evict(hash);
  }

  /** True when a sound copy is on disk; a damaged one is deleted (one larger than this agent takes is left alone). */
  private async fromDisk(hash: string): Promise<boolean> {
    const file = this.file(hash);
    let bytes: Buffer;
    try {
      const info = await stat(file);
      if (info.isFile() && info.size > this.options.maxBytes) return false;
      bytes = await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return false;
      this.log.warn('bundle file unreadable; fetching it again', { hash, code });
      await rm(file, { force: true }).catch(() => {});
      return false;
    }
    if (sha256Hex(bytes) !== hash) {
      this.log.warn('bundle damaged on disk; fetching it again', { hash, code: ErrorCode.BUNDLE_HASH_MISMATCH, bytes: bytes.length });
      await rm(file, { force: true }).catch(() => {});
      return false;
    }
    this.verified.add(hash);
    await this.touch(hash);
    return true;
  }

  private fetch(hash: string, jobId: string): Promise<Buffer> {
    return this.fetches.run(new BundleFetch(hash, jobId, { maxBytes: this.options.maxBytes, window: this.options.window ?? FETCH_WINDOW }));
  }

  /** Write atomically: a temporary file in the same directory, then rename over the name. */
  private async write(hash: string, bytes: Buffer): Promise<void> {
    const tmp = path.join(this.options.dir, `.${hash}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, this.file(hash));
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      const code = (err as NodeJS.ErrnoException).code;
      throw new CohortError(ErrorCode.BUNDLE_FETCH_FAILED, `bundle ${hash} could not be stored in ${this.options.dir}: ${code ?? String(err)}`, {
        details: { hash, dir: this.options.dir, code },
      });
    }
  }

  /** Evict oldest-used bundles until the directory holds at most maxBytes; never errors. */
  private async evict(keep: string): Promise<void> {
    try {
      const files = await this.listBundles();
      let total = files.reduce((sum, f) => sum + f.size, 0);
      if (total <= this.options.maxBytes) return;
      const spared = new Set<string>([keep, ...this.fetches.hashes(), ...this.pending.keys(), ...(this.options.inUse?.() ?? [])]);
      files.sort((a, b) => a.mtimeMs - b.mtimeMs);
      for (const f of files) {
        if (total <= this.options.maxBytes) break;
        if (spared.has(f.hash)) continue;
        await rm(this.file(f.hash), { force: true });
        this.verified.delete(f.hash);
        this.touched.delete(f.hash);
        total -= f.size;
        this.log.info('bundle evicted', { hash: f.hash, bytes: f.size, cacheBytes: total, maxBytes: this.options.maxBytes });
      }
    } catch (err) {
      this.log.warn('bundle cache eviction failed', { dir: this.options.dir, code: (err as NodeJS.ErrnoException).code });
    }
  }

  private async listBundles(): Promise<Array<{ hash: string; size: number; mtimeMs: number }>> {
    const out: Array<{ hash: string; size: number; mtimeMs: number }> = [];
    for (const name of await readdir(this.options.dir)) {
      const hash = BUNDLE_FILE.exec(name)?.[1];
      if (!hash) continue;
      const info = await stat(path.join(this.options.dir, name)).catch(() => undefined);
      if (info?.isFile()) out.push({ hash, size: info.size, mtimeMs: info.mtimeMs });
    }
    return out;
  }
}
