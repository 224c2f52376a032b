/** The bundle fetch machine, fed events by hand: no link, no disk. */
import { describe, expect, it } from 'vitest';
import { BUNDLE_CHUNK_BYTES, ErrorCode, sha256Hex, type BundlePartMessage } from '@cohort/shared';
import { BundleFetch, type FetchCommand } from './fetch-machine.js';

const CHUNK = BUNDLE_CHUNK_BYTES;

function bundle(bytes: number, seed = 7): { bytes: Buffer; hash: string } {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 31 + seed) & 0xff;
  return { bytes: b, hash: sha256Hex(b) };
}

function part(hash: string, bytes: Buffer, offset: number, over: Partial<BundlePartMessage> = {}): BundlePartMessage {
  return { type: 'bundle-part', hash, offset, total: bytes.length, data: bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK)), ...over };
}

const gets = (commands: readonly FetchCommand[]) => commands.filter((c) => c.kind === 'get').map((c) => (c as { offset: number }).offset);
const failure = (commands: readonly FetchCommand[]) => commands.find((c) => c.kind === 'fail') as { error: { code: string } } | undefined;

describe('BundleFetch', () => {
  it('asks for the first part, then keeps a window of requests in order, and verifies the whole', () => {
    const { bytes, hash } = bundle(5 * CHUNK + 10);
    const f = new BundleFetch(hash, 'j1', { maxBytes: 10 * CHUNK, window: 2 });
    expect(gets(f.start())).toEqual([0]);
    expect(gets(f.part(part(hash, bytes, 0)))).toEqual([CHUNK, 2 * CHUNK]);
    // Parts may come back out of order: each is held until the whole is in.
    expect(gets(f.part(part(hash, bytes, 2 * CHUNK)))).toEqual([3 * CHUNK]);
    expect(gets(f.part(part(hash, bytes, CHUNK)))).toEqual([4 * CHUNK]);
    expect(gets(f.part(part(hash, bytes, 3 * CHUNK)))).toEqual([5 * CHUNK]);
    expect(gets(f.part(part(hash, bytes, 4 * CHUNK)))).toEqual([]);
    const last = f.part(part(hash, bytes, 5 * CHUNK));
    expect(last).toHaveLength(1);
    expect(last[0]!.kind).toBe('done');
    expect(Buffer.compare((last[0] as { bytes: Buffer }).bytes, bytes)).toBe(0);
    expect(f.state).toBe('done');
  });

  it('an empty bundle is one empty part', () => {
    const { bytes, hash } = bundle(0);
    const f = new BundleFetch(hash, 'j1', { maxBytes: CHUNK, window: 4 });
    f.start();
    expect(f.part(part(hash, bytes, 0))[0]!.kind).toBe('done');
  });

  it('bytes that do not hash to the name fail with BUNDLE_HASH_MISMATCH and are not handed out', () => {
    const { hash } = bundle(100);
    const other = bundle(100, 8).bytes;
    const f = new BundleFetch(hash, 'j1', { maxBytes: CHUNK, window: 4 });
    f.start();
    const out = f.part(part(hash, other, 0));
    expect(out.map((c) => c.kind)).toEqual(['fail']);
    expect(failure(out)?.error.code).toBe(ErrorCode.BUNDLE_HASH_MISMATCH);
    expect(f.state).toBe('failed');
  });

  it('a part whose total changes is refused', () => {
    const { bytes, hash } = bundle(2 * CHUNK + 5);
    const f = new BundleFetch(hash, 'j1', { maxBytes: 4 * CHUNK, window: 4 });
    f.start();
    f.part(part(hash, bytes, 0));
    const out = f.part(part(hash, bytes, CHUNK, { total: bytes.length + CHUNK }));
    expect(failure(out)?.error.code).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
  });

  it('a part that overruns its chunk, or falls short of it, is refused', () => {
    const { bytes, hash } = bundle(CHUNK + 5);
    const over = new BundleFetch(hash, 'j1', { maxBytes: 4 * CHUNK, window: 4 });
    over.start();
    over.part(part(hash, bytes, 0));
    expect(failure(over.part(part(hash, bytes, CHUNK, { data: Buffer.alloc(6) })))?.error.code).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
    const short = new BundleFetch(hash, 'j1', { maxBytes: 4 * CHUNK, window: 4 });
    short.start();
    expect(failure(short.part(part(hash, bytes, 0, { data: bytes.subarray(0, 10) })))?.error.code).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
  });

  it('a part at an offset never asked for (or twice) is refused', () => {
    const { bytes, hash } = bundle(3 * CHUNK);
    const f = new BundleFetch(hash, 'j1', { maxBytes: 4 * CHUNK, window: 1 });
    f.start();
    expect(failure(f.part(part(hash, bytes, CHUNK)))?.error.code).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
    const twice = new BundleFetch(hash, 'j1', { maxBytes: 4 * CHUNK, window: 1 });
    twice.start();
    twice.part(part(hash, bytes, 0));
    expect(failure(twice.part(part(hash, bytes, 0)))?.error.code).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
  });

  it('a total over the limit fails with BUNDLE_TOO_LARGE before more is asked', () => {
    const { bytes, hash } = bundle(CHUNK + 1);
    const f = new BundleFetch(hash, 'j1', { maxBytes: CHUNK, window: 4 });
    f.start();
    const out = f.part(part(hash, bytes, 0));
    expect(gets(out)).toEqual([]);
    expect(failure(out)?.error.code).toBe(ErrorCode.BUNDLE_TOO_LARGE);
  });

  it("a refusal fails with the coordinator's code; a lost link or silence with BUNDLE_FETCH_FAILED; late parts are ignored", () => {
    const { bytes, hash } = bundle(10);
    const refused = new BundleFetch(hash, 'j1', { maxBytes: CHUNK, window: 4 });
    refused.start();
    const out = refused.refused({ type: 'bundle-refused', hash, error: { code: ErrorCode.BUNDLE_NOT_FOUND, name: 'CohortError', message: 'no' } });
    expect(failure(out)?.error.code).toBe(ErrorCode.BUNDLE_NOT_FOUND);
    expect(refused.part(part(hash, bytes, 0))).toEqual([]);
    const lost = new BundleFetch(hash, 'j1', { maxBytes: CHUNK, window: 4 });
    lost.start();
    expect(failure(lost.lost('closed'))?.error.code).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
    const silent = new BundleFetch(hash, 'j1', { maxBytes: CHUNK, window: 4 });
    silent.start();
    expect(failure(silent.timeout(5))?.error.code).toBe(ErrorCode.BUNDLE_FETCH_FAILED);
    expect(silent.lost('again')).toEqual([]);
  });

  it('starting twice is an illegal move', () => {
    const f = new BundleFetch(bundle(1).hash, 'j1', { maxBytes: CHUNK, window: 4 });
    f.start();
    expect(() => f.start()).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_TRANSITION }));
  });
});
