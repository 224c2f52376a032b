/**
 * Shared values in real slots: a thread slot reads the very SharedArrayBuffer
 * the agent holds (a byte written after posting is seen), a process slot
 * reads its own copy from the value's file; bytes, float64 and json decode;
 * a freed value is gone from the slots.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, sha256Hex, silentLogger, type SharedKind, type SharedRef } from '@cohort/shared';
import { SharedFiles } from '../shared/shared-file.js';
import { fixtureTask, work } from './fixtures/recorder.js';
import { PoolHarness } from './fixtures/pools.js';
import type { SharedSource } from './types.js';

const task = fixtureTask('shared');
const harness = new PoolHarness(1);
const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-slots-'));

afterEach(() => harness.stopAll());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The agent's side: values by hash in SharedArrayBuffers, and their files for process slots. */
function source() {
  const values = new Map<string, Uint8Array<SharedArrayBuffer>>();
  const files = new SharedFiles(dir, silentLogger);
  const src: SharedSource = {
    bytes: (hash) => values.get(hash),
    fileFor: (hash) => {
      const bytes = values.get(hash);
      return bytes && files.fileFor(hash, bytes);
    },
  };
  const add = (data: Uint8Array, kind: SharedKind): { ref: SharedRef; sab: Uint8Array<SharedArrayBuffer> } => {
    const sab = new Uint8Array(new SharedArrayBuffer(data.length));
    sab.set(data);
    const ref = { hash: sha256Hex(data), bytes: data.length, kind };
    values.set(ref.hash, sab);
    return { ref, sab };
  };
  const remove = (hash: string) => {
    values.delete(hash);
    files.remove(hash);
  };
  return { src, add, remove };
}

const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);

describe('shared values in slots', () => {
  it('a thread slot sees the same SharedArrayBuffer: a byte written after posting is read there', async () => {
    const { src, add } = source();
    const { pool, rec } = await harness.start('threads', { shared: src });
    const { ref, sab } = add(bytesOf(4096), 'bytes');
    pool.submit(work('j1', task, [{ at: 10 }], { shared: ref }));
    await rec.resultsFor('j1', 1);
    expect(rec.result('j1', 0)).toMatchObject({ ok: true, mode: 'thread', value: { type: 'Uint8Array', sab: true, length: 4096, at: (10 * 7 + 1) & 0xff } });
    sab[10] = 250; // the agent writes; a thread slot reads the same memory, not a copy
    pool.submit(work('j1', task, [{ at: 10 }, { at: 11 }], { shared: ref, firstP: 1 }));
    await rec.resultsFor('j1', 3);
    expect(rec.result('j1', 1)).toMatchObject({ ok: true, value: { at: 250, sab: true } });
    expect(rec.result('j1', 2)).toMatchObject({ ok: true, value: { at: (11 * 7 + 1) & 0xff } });
  });

  it('a process slot gets its own correct copy (a later write is not seen there)', async () => {
    const { src, add } = source();
    const { pool, rec } = await harness.start('processes', { shared: src });
    const { ref, sab } = add(bytesOf(3 * 1024 * 1024 + 5), 'bytes');
    pool.submit(work('j1', task, [{ at: 3 * 1024 * 1024 + 4 }], { shared: ref }));
    await rec.resultsFor('j1', 1);
    expect(rec.result('j1', 0)).toMatchObject({
      ok: true,
      mode: 'process',
      value: { type: 'Uint8Array', sab: false, length: 3 * 1024 * 1024 + 5, at: ((3 * 1024 * 1024 + 4) * 7 + 1) & 0xff },
    });
    sab[0] = 99;
    pool.submit(work('j1', task, [{ at: 0 }], { shared: ref, firstP: 1 }));
    await rec.resultsFor('j1', 2);
    expect(rec.result('j1', 1)).toMatchObject({ ok: true, value: { at: 1 } });
  });

  it.each(['threads', 'processes'] as const)('float64 and json values decode (%s)', async (mode) => {
    const { src, add } = source();
    const { pool, rec } = await harness.start(mode, { shared: src });
    const floats = Float64Array.from([1.5, -2.25, 1e300]);
    const f = add(new Uint8Array(floats.buffer), 'float64');
    const j = add(Buffer.from(JSON.stringify({ words: ['a', 'b'], n: 3 })), 'json');
    pool.submit(work('f', task, [{ at: 2 }], { shared: f.ref }));
    pool.submit(work('j', task, [{}], { shared: j.ref }));
    await rec.resultsFor('f', 1);
    await rec.resultsFor('j', 1);
    expect(rec.result('f', 0)).toMatchObject({ ok: true, value: { type: 'Float64Array', sab: mode === 'threads', length: 3, at: 1e300 } });
    expect(rec.result('j', 0)).toMatchObject({ ok: true, value: { type: 'object', json: { words: ['a', 'b'], n: 3 } } });
  });

  it('a freed value is dropped by the slots; work that still names it fails with SHARED_FETCH_FAILED', async () => {
    const { src, add, remove } = source();
    const { pool, rec } = await harness.start('threads', { shared: src });
    const { ref } = add(bytesOf(64), 'bytes');
    pool.submit(work('j1', task, [{ at: 1 }], { shared: ref }));
    await rec.resultsFor('j1', 1);
    remove(ref.hash);
    pool.dropShared(ref.hash);
    pool.submit(work('j1', task, [{ at: 1 }], { shared: ref, firstP: 1 }));
    await rec.resultsFor('j1', 2);
    expect(rec.result('j1', 1)).toMatchObject({ ok: false, error: { code: ErrorCode.SHARED_FETCH_FAILED } });
  });

  it('a slot that restarts after a crash gets the value again', async () => {
    const { src, add } = source();
    const { pool, rec } = await harness.start('threads', { shared: src });
    const { ref, sab } = add(bytesOf(32), 'bytes');
    pool.submit(work('boom', fixtureTask('drill'), [{ kind: 'exit', code: 3 }], { shared: ref }));
    await rec.until(() => rec.exits.some((e) => e.cause === 'crash'), 'the crash');
    await rec.resultsFor('boom', 1);
    sab[5] = 77;
    pool.submit(work('after', task, [{ at: 5 }, { at: 6 }], { shared: ref }));
    await rec.resultsFor('after', 2);
    expect(rec.result('after', 0)).toMatchObject({ ok: true, value: { sab: true, at: 77 } });
    expect(rec.result('after', 1)).toMatchObject({ ok: true, value: { at: (6 * 7 + 1) & 0xff } });
  });

  it('a bad kind length fails the batch with BAD_INPUT in the slot, and the slot lives on', async () => {
    const { src, add } = source();
    const { pool, rec } = await harness.start('threads', { shared: src });
    // 12 bytes named as float64 (the wire refuses this; the slot must not die of it either).
    const { ref } = add(bytesOf(12), 'float64');
    pool.submit(work('bad', task, [{}], { shared: ref }));
    await rec.resultsFor('bad', 1);
    expect(rec.result('bad', 0)).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_INPUT } });
    const ok = add(bytesOf(8), 'bytes');
    pool.submit(work('ok', task, [{ at: 0 }], { shared: ok.ref }));
    await rec.resultsFor('ok', 1);
    expect(rec.result('ok', 0)).toMatchObject({ ok: true, value: { at: 1 } });
  });

  it('in auto mode a sharedInput task runs on threads with the reason profile-shared-input', async () => {
    const { src, add } = source();
    const { pool, rec } = await harness.start('auto', { shared: src });
    const { ref } = add(bytesOf(16), 'bytes');
    pool.submit(work('j1', task, [{ at: 0 }], { shared: ref, sharedInput: true }));
    await rec.resultsFor('j1', 1);
    expect(rec.result('j1', 0)).toMatchObject({ ok: true, mode: 'thread', why: 'profile-shared-input', value: { sab: true } });
  });
});
