/**
 * The bundle cache on a real temporary directory, with a fake link: a
 * `send` that records each bundle-get and a coordinator function that
 * answers it (on a later turn, as a socket would) by calling `receive`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BUNDLE_CHUNK_BYTES,
  ErrorCode,
  sha256Hex,
  silentLogger,
  type BundleGetMessage,
  type BundlePartMessage,
  type BundleRefusedMessage,
} from '@cohort/shared';
import { waitFor } from '@cohort/shared/internal';
import { BundleCache, type BundleCacheOptions } from './bundle-cache.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function bundle(text: string): { bytes: Buffer; hash: string } {
  const bytes = Buffer.from(text);
  return { bytes, hash: sha256Hex(bytes) };
}

/** Answers each request from `served` (hash → bytes); `answer` may rewrite or replace a part. */
type Answer = (msg: BundleGetMessage, part: BundlePartMessage) => BundlePartMessage | BundleRefusedMessage | undefined;

function setup(served: Map<string, Buffer>, options: Partial<BundleCacheOptions> = {}, answer: Answer = (_m, p) => p) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-cache-test-'));
  dirs.push(dir);
  const asked: BundleGetMessage[] = [];
  let clock = 1_000_000_000_000;
  const cache: BundleCache = new BundleCache({
    dir,
    maxBytes: 1024 * 1024,
    logger: silentLogger,
    now: () => clock,
    send: (msg) => {
      asked.push(msg);
      const bytes = served.get(msg.hash) ?? Buffer.alloc(0);
      const part: BundlePartMessage = {
        type: 'bundle-part',
        hash: msg.hash,
        offset: msg.offset,
        total: bytes.length,
        data: bytes.subarray(msg.offset, msg.offset + BUNDLE_CHUNK_BYTES),
      };
      const reply = answer(msg, part);
      if (reply) setImmediate(() => cache.receive(reply));
      return true;
    },
    ...options,
  });
  const files = () => readdirSync(dir).sort();
  const advance = (ms: number) => (clock += ms);
  return { dir, cache, asked, files, advance };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: { code?: string }) => err.code,
  );

describe('BundleCache', () => {
  it('fetches a bundle once, writes it under its hash, and serves it from disk after', async () => {
    const a = bundle('export default 1;');
    const { cache, asked, files, dir } = setup(new Map([[a.hash, a.bytes]]));
    expect(cache.isReady(a.hash)).toBe(false);
    await cache.ensure(a.hash, 'j1');
    expect(asked).toEqual([{ type: 'bundle-get', jobId: 'j1', hash: a.hash, offset: 0 }]);
    expect(files()).toEqual([`${a.hash}.mjs`]);
    expect(readFileSync(path.join(dir, `${a.hash}.mjs`)).equals(a.bytes)).toBe(true);
    expect(cache.isReady(a.hash)).toBe(true);
    await cache.ensure(a.hash, 'j2');
    expect(asked).toHaveLength(1);
  });

  it('concurrent callers of one hash share one fetch', async () => {
    const a = bundle('export default 2;');
    const { cache, asked } = setup(new Map([[a.hash, a.bytes]]));
    const first = cache.ensure(a.hash, 'j1');
    const second = cache.ensure(a.hash, 'j2');
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(asked).toHaveLength(1);
  });

  it('a multi-part bundle is fetched in parts, in order, and assembled', async () => {
    const big = Buffer.alloc(2 * BUNDLE_CHUNK_BYTES + 3, 0x61);
    const hash = sha256Hex(big);
    const { cache, asked, dir } = setup(new Map([[hash, big]]), { maxBytes: 8 * BUNDLE_CHUNK_BYTES });
    await cache.ensure(hash, 'j1');
    expect(asked.map((m) => m.offset)).toEqual([0, BUNDLE_CHUNK_BYTES, 2 * BUNDLE_CHUNK_BYTES]);
    expect(readFileSync(path.join(dir, `${hash}.mjs`)).equals(big)).toBe(true);
  });

  it('a file found on disk is hashed before first use: a damaged one is deleted and fetched again', async () => {
    const a = bundle('export default 3;');
    const { cache, asked, dir } = setup(new Map([[a.hash, a.bytes]]));
    writeFileSync(path.join(dir, `${a.hash}.mjs`), 'export default "tampered";');
    await cache.ensure(a.hash, 'j1');
    expect(asked).toHaveLength(1);
    expect(readFileSync(path.join(dir, `${a.hash}.mjs`)).equals(a.bytes)).toBe(true);
  });

  it('a sound file found on disk is used without a fetch', async () => {
    const a = bundle('export default 4;');
    const { cache, asked, dir } = setup(new Map());
    writeFileSync(path.join(dir, `${a.hash}.mjs`), a.bytes);
    await cache.ensure(a.hash, 'j1');
    expect(asked).toHaveLength(0);
    expect(cache.isReady(a.hash)).toBe(true);
  });

  it('bytes that do not match the hash are refused (BUNDLE_HASH_MISMATCH) and nothing is written', async () => {
    const a = bundle('export default 5;');
    const { cache, files } = setup(new Map([[a.hash, Buffer.from('export default "evil";')]]));
    expect(await codeOf(cache.ensure(a.hash, 'j1'))).toBe(ErrorCode.BUNDLE_HASH_MISMATCH);
    expect(files()).toEqual([]);
    expect(cache.isReady(a.hash)).toBe(false);
  });

  it('a part that overruns, or whose total changes, fails the fetch and nothing is written', async () => {
    const big = Buffer.alloc(BUNDLE_CHUNK_BYTES + 10, 0x62);
    const hash = sha256Hex(big);
    const grow: Answer = (m, p) => (m.offset > 0 ? { ...p, total: p.total + 1 } : p);
    const grown = setup(new Map([[hash, big]]), { maxBytes: 4 * BUNDLE_CHUNK_BYTES }, grow);
    expect(await codeOf(grown.cache.ensure(hash, 'j1'))).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
    expect(grown.files()).toEqual([]);
    const overrun: Answer = (m, p) => (m.offset > 0 ? { ...p, data: Buffer.alloc(11) } : p);
    const over = setup(new Map([[hash, big]]), { maxBytes: 4 * BUNDLE_CHUNK_BYTES }, overrun);
    expect(await codeOf(over.cache.ensure(hash, 'j1'))).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
    expect(over.files()).toEqual([]);
  });

  it("a refusal fails with the coordinator's code; a later ensure asks again", async () => {
    const a = bundle('export default 6;');
    let refuse = true;
    const answer: Answer = (_m, p) =>
      refuse ? { type: 'bundle-refused', hash: p.hash, error: { code: ErrorCode.BUNDLE_NOT_FOUND, name: 'CohortError', message: 'not yours' } } : p;
    const { cache, asked } = setup(new Map([[a.hash, a.bytes]]), {}, answer);
    expect(await codeOf(cache.ensure(a.hash, 'j1'))).toBe(ErrorCode.BUNDLE_NOT_FOUND);
    refuse = false;
    await cache.ensure(a.hash, 'j2');
    expect(asked.map((m) => m.jobId)).toEqual(['j1', 'j2']);
  });

  it('a lost link fails the fetch in flight with BUNDLE_FETCH_FAILED; a link that is down fails it at once', async () => {
    const a = bundle('export default 7;');
    const silent = setup(new Map(), {}, () => undefined);
    const pending = silent.cache.ensure(a.hash, 'j1');
    await waitFor('the request', () => silent.asked.length === 1, { timeoutMs: 5000 });
    silent.cache.abortAll('closed');
    expect(await codeOf(pending)).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
    const down = setup(new Map(), { send: () => false });
    expect(await codeOf(down.cache.ensure(a.hash, 'j1'))).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
  });

  it('a fetch that hears nothing fails after its silence limit', async () => {
    const a = bundle('export default 8;');
    const { cache } = setup(new Map(), { silenceMs: 20 }, () => undefined);
    expect(await codeOf(cache.ensure(a.hash, 'j1'))).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
  });

  it('evicts the least recently used bundles to stay within maxBytes, sparing the one in use', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => bundle(`export default "${x.repeat(95)}";`)) as Array<ReturnType<typeof bundle>>;
    const size = a!.bytes.length;
    const served = new Map([a!, b!, c!, d!].map((x) => [x.hash, x.bytes]));
    let inUse: string[] = [];
    const { cache, files, advance } = setup(served, { maxBytes: 3 * size, inUse: () => inUse });
    const name = (x: { hash: string }) => `${x.hash}.mjs`;
    for (const x of [a!, b!, c!]) {
      await cache.ensure(x.hash, 'j');
      advance(10_000);
    }
    // a is used again: b is now the least recently used.
    await cache.ensure(a!.hash, 'j');
    advance(10_000);
    await cache.ensure(d!.hash, 'j');
    expect(files()).toEqual([a!, c!, d!].map(name).sort());
    expect(cache.isReady(b!.hash)).toBe(false);
    // c is the oldest now, but the current jobs need it: a goes instead.
    inUse = [c!.hash];
    advance(10_000);
    await cache.ensure(b!.hash, 'j');
    expect(files()).toEqual([b!, c!, d!].map(name).sort());
    const total = files().reduce((n, f) => n + statSync(path.join(cache.dir, f)).size, 0);
    expect(total).toBeLessThanOrEqual(3 * size);
  });

  it('a bundle that vanished (another agent evicted it) is fetched again', async () => {
    const a = bundle('export default 9;');
    const { cache, asked, dir, advance } = setup(new Map([[a.hash, a.bytes]]));
    await cache.ensure(a.hash, 'j1');
    rmSync(path.join(dir, `${a.hash}.mjs`));
    advance(10_000);
    await cache.touch(a.hash);
    expect(cache.isReady(a.hash)).toBe(false);
    await cache.ensure(a.hash, 'j2');
    expect(asked).toHaveLength(2);
    expect(readFileSync(path.join(dir, `${a.hash}.mjs`)).equals(a.bytes)).toBe(true);
  });

  it('a bundle evicted by another agent is not ready at once (no touch needed), and is fetched again', async () => {
    const a = bundle('export default 10;');
    const { cache, asked, dir } = setup(new Map([[a.hash, a.bytes]]));
    await cache.ensure(a.hash, 'j1');
    expect(cache.isReady(a.hash)).toBe(true);
    rmSync(path.join(dir, `${a.hash}.mjs`));
    expect(cache.isReady(a.hash)).toBe(false);
    await cache.ensure(a.hash, 'j2');
    expect(asked).toHaveLength(2);
    expect(cache.isReady(a.hash)).toBe(true);
  });
});
