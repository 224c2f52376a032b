/** The fetch machine with the shared-value kind, fed forged parts by hand: no link. */
import { describe, expect, it } from 'vitest';
import { ErrorCode, SHARED_CHUNK_BYTES, sha256Hex, type SharedPartMessage } from '@cohort/shared';
import { SHARED_FETCH, type SharedBytes } from '../shared/shared-store.js';
import { ChunkFetch, type FetchCommand, type FetchLimits } from './fetch-machine.js';

const CHUNK = SHARED_CHUNK_BYTES;

function value(bytes: number, seed = 3): { bytes: Buffer; hash: string } {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 13 + seed) & 0xff;
  return { bytes: b, hash: sha256Hex(b) };
}

function part(hash: string, bytes: Buffer, offset: number, over: Partial<SharedPartMessage> = {}): SharedPartMessage {
  return { type: 'shared-part', hash, offset, total: bytes.length, data: bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK)), ...over };
}

function fetch(hash: string, limits: Partial<FetchLimits> = {}) {
  const f = new ChunkFetch<SharedBytes>(hash, 'j1', { maxBytes: 8 * CHUNK, window: 2, ...limits }, SHARED_FETCH);
  return { f, first: f.start() };
}

const gets = (commands: readonly FetchCommand[]) => commands.filter((c) => c.kind === 'get').map((c) => (c as { offset: number }).offset);
const code = (commands: readonly FetchCommand[]) => (commands.find((c) => c.kind === 'fail') as { error: { code: string } } | undefined)?.error.code;

describe('ChunkFetch of a shared value', () => {
  it('writes every part into one SharedArrayBuffer of the whole size, and hands it out once the hash holds', () => {
    const { bytes, hash } = value(3 * CHUNK + 7);
    const { f, first } = fetch(hash, { expectedBytes: bytes.length });
    expect(gets(first)).toEqual([0]);
    expect(gets(f.part(part(hash, bytes, 0)))).toEqual([CHUNK, 2 * CHUNK]);
    expect(gets(f.part(part(hash, bytes, 2 * CHUNK)))).toEqual([3 * CHUNK]);
    expect(gets(f.part(part(hash, bytes, CHUNK)))).toEqual([]);
    const done = f.part(part(hash, bytes, 3 * CHUNK));
    expect(done.map((c) => c.kind)).toEqual(['done']);
    const out = (done[0] as { bytes: SharedBytes }).bytes;
    expect(out.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(out.buffer.byteLength).toBe(bytes.length);
    expect(Buffer.compare(Buffer.from(out.buffer), bytes)).toBe(0);
    // A part after the end is ignored.
    expect(f.part(part(hash, bytes, 0))).toEqual([]);
    expect(f.state).toBe('done');
  });

  it('a part at an offset never asked for fails with SHARED_FETCH_FAILED', () => {
    const { bytes, hash } = value(3 * CHUNK);
    const { f } = fetch(hash);
    expect(code(f.part(part(hash, bytes, CHUNK)))).toBe(ErrorCode.SHARED_FETCH_FAILED);
    expect(f.state).toBe('failed');
  });

  it('a total other than the size the job names, or that changes between parts, fails', () => {
    const { bytes, hash } = value(2 * CHUNK);
    const named = fetch(hash, { expectedBytes: bytes.length - 1 }).f;
    expect(code(named.part(part(hash, bytes, 0)))).toBe(ErrorCode.SHARED_FETCH_FAILED);
    const { f } = fetch(hash);
    f.part(part(hash, bytes, 0));
    expect(code(f.part(part(hash, bytes, CHUNK, { total: 3 * CHUNK })))).toBe(ErrorCode.SHARED_FETCH_FAILED);
    const nonsense = fetch(hash).f;
    expect(code(nonsense.part(part(hash, bytes, 0, { total: -1 })))).toBe(ErrorCode.SHARED_FETCH_FAILED);
  });

  it('a part that overruns its chunk or the end, or falls short, fails', () => {
    const { bytes, hash } = value(CHUNK + 10);
    const over = fetch(hash).f;
    over.part(part(hash, bytes, 0));
    expect(code(over.part(part(hash, bytes, CHUNK, { data: Buffer.alloc(11) })))).toBe(ErrorCode.SHARED_FETCH_FAILED);
    const big = fetch(hash).f;
    expect(code(big.part(part(hash, bytes, 0, { data: Buffer.alloc(CHUNK + 1) })))).toBe(ErrorCode.SHARED_FETCH_FAILED);
    const short = fetch(hash).f;
    expect(code(short.part(part(hash, bytes, 0, { data: bytes.subarray(0, CHUNK - 1) })))).toBe(ErrorCode.SHARED_FETCH_FAILED);
  });

  it('bytes that do not hash to the name fail with SHARED_HASH_MISMATCH and are not handed out', () => {
    const { hash } = value(100);
    const other = value(100, 4).bytes;
    const { f } = fetch(hash);
    const out = f.part(part(hash, other, 0));
    expect(out.map((c) => c.kind)).toEqual(['fail']);
    expect(code(out)).toBe(ErrorCode.SHARED_HASH_MISMATCH);
  });

  it('a total over maxBytes fails with SHARED_TOO_LARGE before anything is allocated or asked', () => {
    const { bytes, hash } = value(CHUNK + 1);
    const { f } = fetch(hash, { maxBytes: CHUNK });
    const out = f.part(part(hash, bytes, 0));
    expect(gets(out)).toEqual([]);
    expect(code(out)).toBe(ErrorCode.SHARED_TOO_LARGE);
  });

  it("a refusal fails with the coordinator's code; lost and silence with SHARED_FETCH_FAILED; a part for another hash is ignored", () => {
    const { bytes, hash } = value(10);
    const refused = fetch(hash).f;
    expect(refused.part(part('f'.repeat(64), bytes, 0))).toEqual([]);
    const out = refused.refused({ hash, error: { code: ErrorCode.SHARED_NOT_FOUND, name: 'CohortError', message: 'gone' } });
    expect(code(out)).toBe(ErrorCode.SHARED_NOT_FOUND);
    expect(refused.part(part(hash, bytes, 0))).toEqual([]);
    const lost = fetch(hash).f;
    expect(code(lost.lost('released'))).toBe(ErrorCode.SHARED_FETCH_FAILED);
    const silent = fetch(hash).f;
    expect(code(silent.timeout(5))).toBe(ErrorCode.SHARED_FETCH_FAILED);
  });
});
