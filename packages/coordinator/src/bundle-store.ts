/**
 * The coordinator's task bundles, by hash. A client uploads a bundle once
 * (`PUT /api/bundles/:hash`); jobs name it `sha256:<hash>`; the coordinator
 * imports it for split and merge, and serves it to agents in chunks.
 *
 * With `--state-dir` the bundles live in `<state-dir>/bundles`, written
 * atomically (a temporary file, fsync, rename, fsync of the directory)
 * before the upload is acknowledged, so a job journaled after it can always
 * be restored. Without one, they live in a private temporary directory that
 * is removed at stop. A bundle read back from disk is hashed again once per
 * start: a damaged file is refused (BUNDLE_HASH_MISMATCH), never run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BUNDLE_CHUNK_BYTES, CohortError, ErrorCode, bundleFileName, sha256Hex, type Logger } from '@cohort/shared';

/** Where bundles live under --state-dir. */
export const BUNDLES_DIR = 'bundles';

export interface BundleChunk {
  data: Uint8Array;
  total: number;
}

export class BundleStore {
  /** Bundles hashed and found sound since this start, with their sizes. */
  private readonly verified = new Map<string, number>();
  private readonly verifying = new Map<string, Promise<number>>();

  private constructor(
    readonly dir: string,
    private readonly temporary: boolean,
    private readonly log: Logger,
  ) {}

  /** Bundles in `<stateDir>/bundles`, or in a temporary directory removed by `close()`. */
  static open(stateDir: string | undefined, log: Logger): BundleStore {
    if (stateDir === undefined) return new BundleStore(mkdtempSync(path.join(os.tmpdir(), 'cohort-bundles-')), true, log);
    const dir = path.join(stateDir, BUNDLES_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new BundleStore(dir, false, log);
  }

  file(hash: string): string {
    return path.join(this.dir, bundleFileName(hash));
  }

  /** Store `bytes` as bundle `hash`; BUNDLE_HASH_MISMATCH when they are not. True when it was new. */
  async put(hash: string, bytes: Uint8Array): Promise<boolean> {
    const actual = sha256Hex(bytes);
    if (actual !== hash) throw new CohortError(ErrorCode.BUNDLE_HASH_MISMATCH, `the uploaded bytes hash to ${actual}, not ${hash}`);
    if (this.verified.has(hash)) return false;
    if ((await this.size(hash).catch(() => undefined)) !== undefined) return false;
    const tmp = path.join(this.dir, `.${hash}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, bytes, { mode: 0o600, flush: true });
      await rename(tmp, this.file(hash));
      await syncDir(this.dir);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    this.verified.set(hash, bytes.length);
    this.log.info('bundle stored', { hash, bytes: bytes.length });
    return true;
  }

  /** The size of a sound bundle `hash`; BUNDLE_NOT_FOUND, or BUNDLE_HASH_MISMATCH for a damaged file. */
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
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file(hash));
    } catch {
      throw new CohortError(ErrorCode.BUNDLE_NOT_FOUND, `no bundle ${hash} here: upload it first`);
    }
    if (sha256Hex(bytes) !== hash) {
      this.log.error('bundle damaged on disk', { hash, code: ErrorCode.BUNDLE_HASH_MISMATCH });
      throw new CohortError(ErrorCode.BUNDLE_HASH_MISMATCH, `the stored bundle ${hash} is damaged: its bytes no longer match its hash`);
    }
    this.verified.set(hash, bytes.length);
    return bytes.length;
  }

  /** Up to BUNDLE_CHUNK_BYTES of a sound bundle from `offset`. */
  async read(hash: string, offset: number): Promise<BundleChunk> {
    const total = await this.size(hash);
    if (offset > total) throw new CohortError(ErrorCode.BAD_FRAME, `offset ${offset} is past the end of bundle ${hash} (${total} bytes)`);
    const length = Math.min(BUNDLE_CHUNK_BYTES, total - offset);
    const handle = await open(this.file(hash), 'r');
    try {
      const data = Buffer.alloc(length);
      let got = 0;
      for (let i = 0; i < 64 && got < length; i++) {
        const { bytesRead } = await handle.read(data, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got !== length) throw new CohortError(ErrorCode.BUNDLE_HASH_MISMATCH, `the stored bundle ${hash} is shorter than it was`);
      return { data, total };
    } finally {
      await handle.close();
    }
  }

  /** Remove the temporary directory (a --state-dir's bundles stay). */
  close(): void {
    if (this.temporary) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
