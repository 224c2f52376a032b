/**
 * Content-addressed files on the coordinator, by SHA-256: task bundles
 * (bundle-store.ts) and jobs' shared values (shared-store.ts). A client
 * uploads the bytes once; jobs name them by hash; the coordinator serves
 * them to agents in chunks read from disk, so it never holds a whole value
 * in memory.
 *
 * With `--state-dir` the files live in `<state-dir>/<subdir>`, written
 * atomically (a temporary file, fsync, rename, fsync of the directory)
 * before the upload is acknowledged, so a job journaled after it can always
 * be restored. Without one, they live in a private temporary directory that
 * is removed at stop. The temporary files of uploads cut short by a
 * coordinator that died are removed when the next one opens the directory. A file read back from disk is hashed again (streamed)
 * once per start: a damaged file is refused with the kind's mismatch code,
 * never served.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CohortError, ErrorCode, type Logger } from '@cohort/shared';

/** What kind of blob a store holds: where, how its files are named, its chunk size and its error codes. */
export interface BlobKind {
  /** In messages: `bundle`, `shared value`. */
  what: string;
  /** In logs: `bundle stored`, `shared value stored`… (a fixed message per kind). */
  logName: string;
  /** The directory under --state-dir. */
  subdir: string;
  /** The file of blob `hash` in that directory. */
  fileName(hash: string): string;
  /** Bytes in one chunk served to an agent. */
  chunkBytes: number;
  notFound: ErrorCode;
  mismatch: ErrorCode;
  tooLarge: ErrorCode;
  /** Said with `tooLarge`: the option that sets the limit. */
  limitFlag: string;
}

export interface BlobChunk {
  data: Uint8Array;
  total: number;
}

/** At most this many reads to fill one chunk (a file that keeps returning short reads is treated as damaged). */
const MAX_READS_PER_CHUNK = 64;

export class BlobStore {
  /** Blobs hashed and found sound since this start, with their sizes. */
  private readonly verified = new Map<string, number>();
  private readonly verifying = new Map<string, Promise<number>>();

  protected constructor(
    readonly kind: BlobKind,
    readonly dir: string,
    private readonly temporary: boolean,
    protected readonly log: Logger,
  ) {}

  /** The directory of a store of `kind`: `<stateDir>/<subdir>`, or a fresh temporary one (temporary: true). */
  protected static place(kind: BlobKind, stateDir: string | undefined): { dir: string; temporary: boolean } {
    if (stateDir === undefined) return { dir: mkdtempSync(path.join(os.tmpdir(), `cohort-${kind.subdir}-`)), temporary: true };
    const dir = path.join(stateDir, kind.subdir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeStaleUploads(dir);
    return { dir, temporary: false };
  }

  file(hash: string): string {
    return path.join(this.dir, this.kind.fileName(hash));
  }

  /** Store `bytes` as blob `hash`; the kind's mismatch code when they are not. True when it was new. */
  async put(hash: string, bytes: Uint8Array): Promise<boolean> {
    return (await this.putStream(hash, [bytes], Number.MAX_SAFE_INTEGER)).stored;
  }

  /**
   * Store the bytes `source` yields as blob `hash`, written to a temporary
   * file while they are hashed (never all in memory). Past `maxBytes` it
   * stops reading and throws the kind's too-large code; bytes that do not
   * hash to `hash` throw its mismatch code. Nothing is kept from a refused upload.
   */
  async putStream(hash: string, source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, maxBytes: number): Promise<{ bytes: number; stored: boolean }> {
    const tmp = path.join(this.dir, `.${hash}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx', 0o600);
    let bytes: number;
    try {
      bytes = await this.writeHashed(handle, hash, source, maxBytes);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      if ((await this.size(hash).catch(() => undefined)) !== undefined) return { bytes, stored: false };
      await rename(tmp, this.file(hash));
      await syncDir(this.dir);
    } finally {
      await rm(tmp, { force: true });
    }
    this.verified.set(hash, bytes);
    this.log.info(`${this.kind.logName} stored`, { hash, bytes });
    return { bytes, stored: true };
  }

  private async writeHashed(handle: FileHandle, hash: string, source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, maxBytes: number): Promise<number> {
    const hasher = createHash('sha256');
    let bytes = 0;
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw this.tooLarge(maxBytes);
      hasher.update(chunk);
      await handle.write(chunk);
    }
    const actual = hasher.digest('hex');
    if (actual !== hash) throw new CohortError(this.kind.mismatch, `the uploaded bytes hash to ${actual}, not ${hash}`);
    return bytes;
  }

  /** The kind's too-large error for a limit of `maxBytes`. */
  tooLarge(maxBytes: number): CohortError {
    return new CohortError(this.kind.tooLarge, `a ${this.kind.what} may be at most ${maxBytes} bytes here (${this.kind.limitFlag})`, { details: { maxBytes } });
  }

  /** The size of a sound blob `hash`; the kind's not-found code, or its mismatch code for a damaged file. */
  size(hash: string): Promise<number> {
    const known = this.verified.get(hash);
    if (known !== undefined) return Promise.resolve(known);
    let checking = this.verifying.get(hash);
    if (!checking) {
      checking = this.verify(hash).finally(() => this.verifying.delete(hash));
      this.verifying.set(hash, checking);
    }
    return checking;
  }

  private async verify(hash: string): Promise<number> {
    const hasher = createHash('sha256');
    let bytes = 0;
    try {
      for await (const chunk of createReadStream(this.file(hash)) as AsyncIterable<Buffer>) {
        hasher.update(chunk);
        bytes += chunk.length;
      }
    } catch {
      throw new CohortError(this.kind.notFound, `no ${this.kind.what} ${hash} here: upload it first`);
    }
    if (hasher.digest('hex') !== hash) {
      this.log.error(`${this.kind.logName} damaged on disk`, { hash, code: this.kind.mismatch });
      throw new CohortError(this.kind.mismatch, `the stored ${this.kind.what} ${hash} is damaged: its bytes no longer match its hash`);
    }
    this.verified.set(hash, bytes);
    return bytes;
  }

  /** Up to `chunkBytes` of a sound blob from `offset`. */
  async read(hash: string, offset: number): Promise<BlobChunk> {
    const total = await this.size(hash);
    if (offset > total) throw new CohortError(ErrorCode.BAD_FRAME, `offset ${offset} is past the end of ${this.kind.what} ${hash} (${total} bytes)`);
    const length = Math.min(this.kind.chunkBytes, total - offset);
    const handle = await open(this.file(hash), 'r').catch(() => {
      throw new CohortError(this.kind.notFound, `no ${this.kind.what} ${hash} here any more`);
    });
    try {
      const data = Buffer.alloc(length);
      let got = 0;
      for (let i = 0; i < MAX_READS_PER_CHUNK && got < length; i++) {
        const { bytesRead } = await handle.read(data, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got !== length) throw new CohortError(this.kind.mismatch, `the stored ${this.kind.what} ${hash} is shorter than it was`);
      return { data, total };
    } finally {
      await handle.close();
    }
  }

  /** Remove the temporary directory (a --state-dir's files stay). */
  close(): void {
    if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An upload's temporary file (`putStream`). */
const UPLOAD_TMP = /^\.[0-9a-f]{64}\.[0-9a-f]{12}\.tmp$/;

/**
 * Remove the temporary files of uploads cut short by a coordinator that died
 * (SIGKILL, a crash): nothing else removes them, and each may be as large as
 * the upload limit. The state-dir lock keeps any other coordinator out, so
 * none of them is being written.
 */
function removeStaleUploads(dir: string): void {
  for (const name of readdirSync(dir)) if (UPLOAD_TMP.test(name)) rmSync(path.join(dir, name), { force: true });
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
