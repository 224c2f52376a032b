/**
 * The shared-value store (a BlobStore): bytes are streamed to disk while
 * they are hashed, refused past the limit as soon as they pass it and when
 * they are not their name, kept across a restart in --state-dir, read back a
 * part at a time, and a file damaged on disk is refused, never served.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, SHARED_CHUNK_BYTES, silentLogger } from '@cohort/shared';
import { SHARED_DIR, SharedStore } from './shared-store.js';

/** The code of a rejection (tests compare codes, never message text). */
const codeOf = (err: unknown): unknown => (err as { code?: unknown }).code;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const dirs: string[] = [];
const stores: SharedStore[] = [];

function stateDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-store-'));
  dirs.push(dir);
  return dir;
}
function open(dir?: string): SharedStore {
  const store = SharedStore.open(dir, silentLogger);
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** `n` chunks of `size` bytes, counting how many the store pulled. */
function counted(n: number, size: number): { source: AsyncIterable<Uint8Array>; pulled: () => number; all: Buffer } {
  const chunks = Array.from({ length: n }, (_, i) => Buffer.alloc(size, i + 1));
  let pulled = 0;
  async function* source(): AsyncGenerator<Uint8Array> {
    for (const c of chunks) {
      pulled++;
      yield c;
    }
  }
  return { source: source(), pulled: () => pulled, all: Buffer.concat(chunks) };
}

describe('SharedStore', () => {
  it('stores streamed bytes under their hash, says when they were already there, and serves them a part at a time', async () => {
    const store = open();
    const value = Buffer.alloc(2 * SHARED_CHUNK_BYTES + 7);
    for (let i = 0; i < value.length; i++) value[i] = i % 251;
    const hash = sha(value);
    const parts = [value.subarray(0, 100_000), value.subarray(100_000)];
    expect(await store.putStream(hash, parts, value.length)).toEqual({ bytes: value.length, stored: true });
    expect(await store.putStream(hash, [value], value.length)).toEqual({ bytes: value.length, stored: false });
    expect(await store.size(hash)).toBe(value.length);
    const got: Buffer[] = [];
    for (let offset = 0; offset < value.length; offset += SHARED_CHUNK_BYTES) {
      const { data, total } = await store.read(hash, offset);
      expect(total).toBe(value.length);
      got.push(Buffer.from(data));
    }
    expect(got.map((b) => b.length)).toEqual([SHARED_CHUNK_BYTES, SHARED_CHUNK_BYTES, 7]);
    expect(Buffer.concat(got).equals(value)).toBe(true);
    // Nothing but the stored file is left in the directory (no temporary files).
    expect(readdirSync(store.dir)).toEqual([`${hash}.bin`]);
  });

  it('stops reading as soon as the bytes pass the limit (SHARED_TOO_LARGE), and keeps nothing', async () => {
    const store = open();
    const { source, pulled, all } = counted(100, 1024);
    const err = await store.putStream(sha(all), source, 4096).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(ErrorCode.SHARED_TOO_LARGE);
    expect(pulled()).toBe(5); // the 5th chunk passed 4096 bytes; none after it was asked for
    expect(readdirSync(store.dir)).toEqual([]);
    expect(codeOf(await store.size(sha(all)).catch((e: unknown) => e))).toBe(ErrorCode.SHARED_NOT_FOUND);
  });

  it('refuses bytes that do not hash to their name (SHARED_HASH_MISMATCH), and keeps nothing', async () => {
    const store = open();
    const err = await store.putStream(sha(Buffer.from('other')), [Buffer.from('these')], 1024).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(ErrorCode.SHARED_HASH_MISMATCH);
    expect(readdirSync(store.dir)).toEqual([]);
  });

  it('keeps values across a restart with a state directory, and removes its private directory without one', async () => {
    const dir = stateDir();
    const value = Buffer.from('kept across a restart');
    await open(dir).putStream(sha(value), [value], 1024);
    const again = open(dir);
    expect(again.dir).toBe(path.join(dir, SHARED_DIR));
    expect(await again.size(sha(value))).toBe(value.length);
    const temp = open();
    await temp.putStream(sha(value), [value], 1024);
    temp.close();
    expect(() => readdirSync(temp.dir)).toThrow();
  });

  it('refuses a file damaged on disk (SHARED_HASH_MISMATCH) instead of serving it, and a missing one (SHARED_NOT_FOUND)', async () => {
    const dir = stateDir();
    const value = Buffer.alloc(SHARED_CHUNK_BYTES + 10, 3);
    const hash = sha(value);
    await open(dir).putStream(hash, [value], value.length);
    writeFileSync(path.join(dir, SHARED_DIR, `${hash}.bin`), Buffer.alloc(value.length, 4)); // same size, other bytes
    const restarted = open(dir);
    expect(codeOf(await restarted.read(hash, 0).catch((e: unknown) => e))).toBe(ErrorCode.SHARED_HASH_MISMATCH);
    expect(codeOf(await restarted.size(hash).catch((e: unknown) => e))).toBe(ErrorCode.SHARED_HASH_MISMATCH);
    // Re-uploading the sound bytes replaces the damaged copy.
    expect((await restarted.putStream(hash, [value], value.length)).stored).toBe(true);
    expect(Buffer.from((await restarted.read(hash, SHARED_CHUNK_BYTES)).data).equals(value.subarray(SHARED_CHUNK_BYTES))).toBe(true);
    // Cut short after it was verified: the part that is gone is refused, not served short.
    truncateSync(path.join(dir, SHARED_DIR, `${hash}.bin`), 5);
    expect(codeOf(await restarted.read(hash, SHARED_CHUNK_BYTES).catch((e: unknown) => e))).toBe(ErrorCode.SHARED_HASH_MISMATCH);
    expect(
      codeOf(
        await open(dir)
          .size(sha(Buffer.from('never')))
          .catch((e: unknown) => e),
      ),
    ).toBe(ErrorCode.SHARED_NOT_FOUND);
  });

  it('refuses an offset past the end (BAD_FRAME)', async () => {
    const store = open();
    const value = Buffer.from('short');
    await store.putStream(sha(value), [value], 1024);
    expect(codeOf(await store.read(sha(value), 6).catch((e: unknown) => e))).toBe(ErrorCode.BAD_FRAME);
  });
});
