/** Work waiting for its shared value (and first for its bundle): the gates chained over a real store and a fake link. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, sha256Hex, silentLogger, type AssignMessage, type ResultItem, type SharedGetMessage, type SharedRef } from '@cohort/shared';
import { deferred } from '@cohort/shared/internal';
import { BundleWork } from '../bundles/bundle-work.js';
import { SharedStore } from './shared-store.js';
import { SharedWork } from './shared-work.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-work-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = Buffer.from('shared bytes for the gate');
const ref: SharedRef = { hash: sha256Hex(data), bytes: data.length, kind: 'bytes' };
const B = 'b'.repeat(64);

function assign(jobId: string, ps: number[], extra: Partial<AssignMessage> = {}): AssignMessage {
  return { type: 'assign', jobId, task: 'noop', isolation: 'auto', timeoutMs: 0, shared: ref, items: ps.map((p) => ({ p, a: 1, input: p })), ...extra };
}

function setup(mode: 'auto' | 'processes' = 'auto') {
  const gets: SharedGetMessage[] = [];
  const submitted: AssignMessage[] = [];
  const failed: Array<{ jobId: string; items: ResultItem[] }> = [];
  const store = new SharedStore({ maxBytes: 1 << 20, send: (m) => gets.push(m) > 0, dropped: () => {}, dir, logger: silentLogger });
  const fail = (jobId: string, items: ResultItem[]) => failed.push({ jobId, items });
  const shared = new SharedWork({ store, submit: (a) => submitted.push(a), fail, mode, logger: silentLogger });
  const bundle = deferred<void>();
  let bundleReady = false;
  const cache = { isReady: () => bundleReady, touch: () => Promise.resolve(), ensure: () => bundle.promise };
  const bundles = new BundleWork({ cache, submit: (a, n) => shared.assign(a, n), fail, mode, logger: silentLogger });
  const answer = (bytes = data) => {
    for (const g of gets.splice(0)) store.receive({ type: 'shared-part', hash: g.hash, offset: g.offset, total: bytes.length, data: bytes });
  };
  const tick = () => new Promise((r) => setImmediate(r));
  const readyBundle = () => {
    bundleReady = true;
    bundle.resolve();
  };
  return { store, shared, bundles, gets, submitted, failed, answer, tick, readyBundle };
}

describe('SharedWork', () => {
  it('holds work until its value is here, in order; then work of any job naming it goes at once', async () => {
    const { shared, gets, submitted, answer, tick } = setup();
    shared.assign(assign('j1', [0, 1]), 10);
    shared.assign(assign('j2', [0]), 10);
    shared.assign(assign('plain', [0], { shared: undefined } as Partial<AssignMessage>), 10);
    expect(submitted.map((a) => a.jobId)).toEqual(['plain']);
    expect(shared.size).toBe(3);
    expect(gets).toHaveLength(1);
    answer();
    await tick();
    expect(submitted.map((a) => a.jobId)).toEqual(['plain', 'j1', 'j2']);
    shared.assign(assign('j3', [5]), 10);
    expect(submitted.map((a) => a.jobId)).toEqual(['plain', 'j1', 'j2', 'j3']);
    expect(gets).toHaveLength(0);
  });

  it('a failed fetch fails only the held items of that value, with its code and the mode they would have run in', async () => {
    const { shared, failed, submitted, answer, tick } = setup();
    shared.assign(assign('j1', [0, 1], { sharedInput: true }), 10);
    answer(Buffer.from('forged bytes, same length!'.slice(0, data.length)));
    await tick();
    expect(submitted).toEqual([]);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.items).toMatchObject([
      { p: 0, ok: false, error: { code: ErrorCode.SHARED_HASH_MISMATCH }, mode: 'thread', why: 'profile-shared-input' },
      { p: 1, ok: false, error: { code: ErrorCode.SHARED_HASH_MISMATCH } },
    ]);
    expect(shared.size).toBe(0);
  });

  it('a release (cancel of the job) drops its held work without results', async () => {
    const { shared, store, failed, submitted, tick } = setup();
    shared.assign(assign('j1', [0, 1]), 10);
    shared.cancel('j1');
    store.release('j1');
    await tick();
    expect(shared.size).toBe(0);
    expect(failed).toEqual([]);
    expect(submitted).toEqual([]);
  });

  it('work assigned in the same tick as a release that cancelled the fetch waits for the new fetch, not the cancelled one', async () => {
    const { shared, store, gets, submitted, failed, answer, tick } = setup();
    shared.assign(assign('j1', [0]), 10);
    shared.cancel('j1');
    store.release('j1');
    shared.assign(assign('j2', [0]), 10);
    await tick();
    expect(failed).toEqual([]);
    expect(gets.map((g) => g.jobId)).toEqual(['j1', 'j2']);
    gets.shift(); // the cancelled fetch's request: its answer would be a part nobody asked for
    answer();
    await tick();
    expect(submitted.map((a) => a.jobId)).toEqual(['j2']);
  });

  it('chains after the bundle gate: a shipped task waits for its bundle, then for its shared value', async () => {
    const { bundles, gets, submitted, answer, tick, readyBundle } = setup();
    bundles.assign(assign('j1', [0], { task: `sha256:${B}` }), 10);
    expect(gets).toHaveLength(0); // the shared value is not asked for before the bundle is here
    readyBundle();
    await tick();
    expect(gets).toHaveLength(1);
    expect(submitted).toEqual([]);
    answer();
    await tick();
    expect(submitted.map((a) => a.jobId)).toEqual(['j1']);
  });

  it('work bound for process slots also waits for the copy they read', async () => {
    const { shared, store, submitted, answer, tick } = setup('processes');
    shared.assign(assign('j1', [0]), 10);
    answer();
    for (let i = 0; i < 50 && submitted.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(submitted).toHaveLength(1);
    // The file is written: the pool's synchronous write never runs.
    expect(store.prepareFile(ref.hash)).toBeUndefined();
    await tick();
  });
});
