/** Work waiting for its bundle, with a fake cache whose fetches the test settles. */
import { describe, expect, it } from 'vitest';
import { CohortError, ErrorCode, silentLogger, type AssignMessage, type ResultItem } from '@cohort/shared';
import { deferred, type Deferred } from '@cohort/shared/internal';
import { BundleWork } from './bundle-work.js';

const H = 'a'.repeat(64);
const G = 'b'.repeat(64);

function assign(jobId: string, ps: number[], hash = H): AssignMessage {
  return { type: 'assign', jobId, task: `sha256:${hash}`, isolation: 'auto', timeoutMs: 0, items: ps.map((p) => ({ p, a: 1, input: p })) };
}

function setup(maxHeldItems?: number) {
  const ready = new Set<string>();
  const fetches = new Map<string, Deferred<void>>();
  const ensured: Array<[string, string]> = [];
  const submitted: AssignMessage[] = [];
  const failed: Array<{ jobId: string; items: ResultItem[] }> = [];
  const cache = {
    isReady: (hash: string) => ready.has(hash),
    touch: () => Promise.resolve(),
    ensure: (hash: string, jobId: string) => {
      ensured.push([hash, jobId]);
      let d = fetches.get(hash);
      if (!d) fetches.set(hash, (d = deferred<void>()));
      return d.promise;
    },
  };
  const work = new BundleWork({
    cache,
    submit: (a) => submitted.push(a),
    fail: (jobId, items) => failed.push({ jobId, items }),
    mode: 'threads',
    logger: silentLogger,
    ...(maxHeldItems !== undefined && { maxHeldItems }),
  });
  const tick = () => new Promise((r) => setImmediate(r));
  return { work, ready, fetches, ensured, submitted, failed, tick };
}

describe('BundleWork', () => {
  it('work for a ready bundle goes to the pool at once', () => {
    const { work, ready, submitted, ensured } = setup();
    ready.add(H);
    work.assign(assign('j1', [0, 1]), 100);
    expect(submitted.map((a) => a.items.length)).toEqual([2]);
    expect(ensured).toEqual([]);
  });

  it('work for a missing bundle is held, one fetch per hash, then submitted in order', async () => {
    const { work, fetches, ensured, submitted, tick } = setup();
    work.assign(assign('j1', [0, 1]), 100);
    work.assign(assign('j2', [5]), 100);
    expect(ensured).toEqual([[H, 'j1']]);
    expect(work.size).toBe(3);
    expect(submitted).toEqual([]);
    fetches.get(H)!.resolve();
    await tick();
    expect(submitted.map((a) => a.jobId)).toEqual(['j1', 'j2']);
    expect(work.size).toBe(0);
  });

  it("a failed fetch fails every held item with the fetch's code", async () => {
    const { work, fetches, submitted, failed, tick } = setup();
    work.assign(assign('j1', [0, 1]), 100);
    fetches.get(H)!.reject(new CohortError(ErrorCode.BUNDLE_HASH_MISMATCH, 'bad bytes'));
    await tick();
    expect(submitted).toEqual([]);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.jobId).toBe('j1');
    expect(failed[0]!.items.map((i) => [i.p, i.a, i.ok, !i.ok && i.error.code])).toEqual([
      [0, 1, false, ErrorCode.BUNDLE_HASH_MISMATCH],
      [1, 1, false, ErrorCode.BUNDLE_HASH_MISMATCH],
    ]);
  });

  it('a cancel drops held items of that job (all, or those listed)', async () => {
    const { work, fetches, submitted, tick } = setup();
    work.assign(assign('j1', [0, 1, 2]), 100);
    work.assign(assign('j2', [0]), 100);
    work.cancel('j1', [1]);
    expect(work.size).toBe(3);
    work.cancel('j2');
    expect(work.size).toBe(2);
    fetches.get(H)!.resolve();
    await tick();
    expect(submitted.map((a) => [a.jobId, a.items.map((i) => i.p)])).toEqual([['j1', [0, 2]]]);
  });

  it('clear (a coordinator restart) drops held work silently, and the old fetch settling does nothing', async () => {
    const { work, fetches, submitted, failed, tick } = setup();
    work.assign(assign('j1', [0]), 100);
    work.assign(assign('j1', [1], G), 100);
    expect(work.clear()).toBe(2);
    fetches.get(H)!.reject(new CohortError(ErrorCode.BUNDLE_FETCH_FAILED, 'lost'));
    fetches.get(G)!.resolve();
    await tick();
    expect(submitted).toEqual([]);
    expect(failed).toEqual([]);
  });

  it('past the bound, work fails at once with BUNDLE_FETCH_FAILED instead of being held', () => {
    const { work, failed } = setup(2);
    work.assign(assign('j1', [0, 1]), 100);
    work.assign(assign('j1', [2]), 100);
    expect(work.size).toBe(2);
    expect(failed.flatMap((f) => f.items.map((i) => [i.p, !i.ok && i.error.code]))).toEqual([[2, ErrorCode.BUNDLE_FETCH_FAILED]]);
  });

  it('failAll (a drain) fails held work with the given error', () => {
    const { work, failed } = setup();
    work.assign(assign('j1', [0]), 100);
    work.failAll({ code: ErrorCode.SHUTTING_DOWN, name: 'CohortError', message: 'draining' });
    expect(work.size).toBe(0);
    expect(failed.flatMap((f) => f.items.map((i) => !i.ok && i.error.code))).toEqual([ErrorCode.SHUTTING_DOWN]);
  });
});
