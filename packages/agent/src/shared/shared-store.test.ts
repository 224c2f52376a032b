/** The shared store over a fake link: the test answers each `shared-get` (or forges the answer). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, SHARED_CHUNK_BYTES, sha256Hex, silentLogger, type SharedGetMessage, type SharedRef } from '@cohort/shared';
import { SharedStore } from './shared-store.js';

const CHUNK = SHARED_CHUNK_BYTES;
const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function value(bytes: number, seed = 5): { data: Buffer; ref: SharedRef } {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 11 + seed) & 0xff;
  return { data, ref: { hash: sha256Hex(data), bytes, kind: 'bytes' } };
}

function setup(maxBytes = 16 * CHUNK, inUse?: () => Iterable<string>) {
  const gets: SharedGetMessage[] = [];
  const dropped: string[] = [];
  let linkUp = true;
  const store = new SharedStore({
    maxBytes,
    send: (m) => {
      if (linkUp) gets.push(m);
      return linkUp;
    },
    dropped: (hash) => dropped.push(hash),
    dir,
    logger: silentLogger,
    window: 2,
    ...(inUse && { inUse }),
  });
  /** Answer every outstanding request from `data`, until none is left. */
  const serve = (data: Buffer) => {
    while (gets.length > 0) {
      const g = gets.shift() as SharedGetMessage;
      store.receive({ type: 'shared-part', hash: g.hash, offset: g.offset, total: data.length, data: data.subarray(g.offset, g.offset + CHUNK) });
    }
  };
  return { store, gets, dropped, serve, down: () => (linkUp = false) };
}

const rejection = (p: Promise<void> | undefined) =>
  (p as Promise<void>).then(
    () => undefined,
    (err: { code: string }) => err.code,
  );

describe('SharedStore', () => {
  it('fetches a value once for every job that names it, into one SharedArrayBuffer', async () => {
    const { store, gets, serve } = setup();
    const { data, ref } = value(3 * CHUNK + 1);
    const a = store.acquire('j1', ref);
    const b = store.acquire('j2', ref);
    expect(a).toBeInstanceOf(Promise);
    expect(gets).toEqual([{ type: 'shared-get', jobId: 'j1', hash: ref.hash, offset: 0 }]);
    serve(data);
    await Promise.all([a, b]);
    const bytes = store.bytes(ref.hash) as Uint8Array<SharedArrayBuffer>;
    expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.compare(Buffer.from(bytes.buffer), data)).toBe(0);
    expect(store.acquire('j3', ref)).toBeUndefined(); // here now: no wait, no fetch
    expect(gets).toEqual([]);
    expect(store.heldBytes).toBe(ref.bytes);
    expect([...store.holders(ref.hash)].sort()).toEqual(['j1', 'j2', 'j3']);
  });

  it('counts references by job: the last release frees the value and tells the slots; an unknown job is ignored', async () => {
    const { store, serve, dropped } = setup();
    const { data, ref } = value(100);
    const p = store.acquire('j1', ref);
    store.acquire('j2', ref);
    store.acquire('j2', ref); // a second assign of one job is one reference
    serve(data);
    await p;
    const file = store.fileFor(ref.hash) as string;
    expect(readFileSync(file)).toEqual(data);
    expect(store.release('nobody')).toBe(false);
    expect(store.release('j1')).toBe(true);
    expect(dropped).toEqual([]);
    expect(store.bytes(ref.hash)).toBeDefined();
    expect(store.release('j2')).toBe(true);
    expect(dropped).toEqual([ref.hash]);
    expect(store.bytes(ref.hash)).toBeUndefined();
    expect(store.heldBytes).toBe(0);
    expect(store.release('j2')).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(file)).toBe(false);
  });

  it('a release mid-fetch of the only job cancels the fetch; a late part is ignored; the next assign fetches again', async () => {
    const { store, gets, serve, dropped } = setup();
    const { data, ref } = value(2 * CHUNK);
    const p = store.acquire('j1', ref);
    store.release('j1');
    expect(await rejection(p)).toBe(ErrorCode.SHARED_FETCH_FAILED);
    expect(store.size).toBe(0);
    serve(data); // the answer to the cancelled request: no fetch takes it
    expect(gets).toEqual([]);
    expect(dropped).toEqual([]); // nothing reached the slots
    const again = store.acquire('j2', ref);
    expect(gets.map((g) => [g.jobId, g.offset])).toEqual([['j2', 0]]);
    serve(data);
    await again;
    expect(store.bytes(ref.hash)).toBeDefined();
  });

  it('a release mid-fetch of the asking job keeps the fetch for the others, and asks on their behalf', async () => {
    const { store, gets, serve } = setup();
    const { data, ref } = value(3 * CHUNK);
    const p1 = store.acquire('j1', ref);
    const p2 = store.acquire('j2', ref);
    store.release('j1');
    const first = gets.shift() as SharedGetMessage;
    store.receive({ type: 'shared-part', hash: ref.hash, offset: 0, total: data.length, data: data.subarray(0, CHUNK) });
    expect(first.jobId).toBe('j1');
    expect(gets.map((g) => g.jobId)).toEqual(['j2', 'j2']);
    serve(data);
    await p2;
    await p1; // the fetch itself went on
    expect([...store.holders(ref.hash)]).toEqual(['j2']);
  });

  it('the sum of values held stays within maxBytes: SHARED_TOO_LARGE before any request', async () => {
    const { store, gets, serve } = setup(100);
    const a = value(60);
    const b = value(50, 9);
    const pa = store.acquire('j1', a.ref);
    serve(a.data);
    await pa;
    expect(await rejection(store.acquire('j2', b.ref))).toBe(ErrorCode.SHARED_TOO_LARGE);
    expect(gets).toEqual([]);
    expect(store.heldBytes).toBe(60);
    store.release('j1');
    const pb = store.acquire('j2', b.ref);
    serve(b.data);
    await pb;
    expect(store.heldBytes).toBe(50);
  });

  it('makes room by freeing values no work on this agent uses (their jobs may still be running elsewhere), never one in use', async () => {
    const busy = new Set<string>();
    const { store, serve, dropped } = setup(100, () => busy);
    const a = value(60);
    const b = value(50, 9);
    const c = value(55, 13);
    const pa = store.acquire('j1', a.ref);
    serve(a.data);
    await pa;
    // j1's work here is done, but j1 has not ended (no release yet): its value gives way to j2's.
    const pb = store.acquire('j2', b.ref);
    serve(b.data);
    await pb;
    expect(dropped).toEqual([a.ref.hash]);
    expect(store.heldBytes).toBe(50);
    expect(store.release('j1')).toBe(false);
    // j2's value is in use (queued or running work): j3 is refused, and j2's value stays.
    busy.add(b.ref.hash);
    expect(await rejection(store.acquire('j3', c.ref))).toBe(ErrorCode.SHARED_TOO_LARGE);
    expect(store.bytes(b.ref.hash)).toBeDefined();
    // j1 sends more work: its value is fetched again.
    busy.clear();
    const again = store.acquire('j1', a.ref);
    expect(again).toBeInstanceOf(Promise);
    serve(a.data);
    await again;
    expect(store.heldBytes).toBe(60);
  });

  it('bytes that fail the hash are dropped: SHARED_HASH_MISMATCH, nothing held, the slots never hear of it', async () => {
    const { store, serve, dropped } = setup();
    const { ref } = value(1000);
    const p = store.acquire('j1', ref);
    serve(value(1000, 6).data);
    expect(await rejection(p)).toBe(ErrorCode.SHARED_HASH_MISMATCH);
    expect(store.bytes(ref.hash)).toBeUndefined();
    expect(store.heldBytes).toBe(0);
    expect(dropped).toEqual([]);
  });

  it("a refusal fails with the coordinator's code; a link that is down with SHARED_FETCH_FAILED", async () => {
    const { store, down } = setup();
    const { ref } = value(10);
    const p = store.acquire('j1', ref);
    store.receive({ type: 'shared-refused', hash: ref.hash, error: { code: ErrorCode.SHARED_NOT_FOUND, name: 'CohortError', message: 'no such value' } });
    expect(await rejection(p)).toBe(ErrorCode.SHARED_NOT_FOUND);
    down();
    expect(await rejection(store.acquire('j1', ref))).toBe(ErrorCode.SHARED_FETCH_FAILED);
  });

  it('a lost link fails the fetches in flight but keeps the values held', async () => {
    const { store, serve } = setup();
    const a = value(10);
    const b = value(10, 1);
    const pa = store.acquire('j1', a.ref);
    serve(a.data);
    await pa;
    const pb = store.acquire('j2', b.ref);
    store.abortAll('the connection to the coordinator was lost');
    expect(await rejection(pb)).toBe(ErrorCode.SHARED_FETCH_FAILED);
    expect(store.bytes(a.ref.hash)).toBeDefined();
  });

  it('the same hash named with another size is refused; clear() drops everything', async () => {
    const { store, serve, dropped } = setup();
    const { data, ref } = value(10);
    const p = store.acquire('j1', ref);
    serve(data);
    await p;
    expect(await rejection(store.acquire('j2', { ...ref, bytes: 11 }))).toBe(ErrorCode.SHARED_HASH_MISMATCH);
    const pending = store.acquire('j3', value(10, 2).ref);
    expect(store.clear('the coordinator restarted')).toBe(2);
    expect(await rejection(pending)).toBe(ErrorCode.SHARED_FETCH_FAILED);
    expect(dropped).toEqual([ref.hash]);
    expect(store.size).toBe(0);
    expect(store.release('j1')).toBe(false);
  });
});
