import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type AgentMode } from '@cohort/shared';
import { SlotPool } from './pool.js';
import { STOP_TIMEOUT_MS } from './constants.js';
import { Recorder, alive, fixtureTask, work } from './fixtures/recorder.js';
import type { SlotPoolOptions } from './types.js';
import { PoolHarness } from './fixtures/pools.js';

const drill = fixtureTask('drill');

const harness = new PoolHarness(1);
const startPool = (mode: AgentMode, extra: Partial<SlotPoolOptions> = {}) => harness.start(mode, extra);

afterEach(() => harness.stopAll());

describe('cancel', () => {
  it('drops queued partitions of a job and reports nothing for them', async () => {
    const { pool, rec } = await startPool('threads');
    pool.submit(work('busy', drill, [{ kind: 'sleep', ms: 100 }]));
    pool.submit(
      work(
        'gone',
        drill,
        [1, 2, 3].map((value) => ({ kind: 'ok', value })),
      ),
    );
    pool.submit(work('kept', drill, [{ kind: 'ok', value: 1 }]));
    expect(pool.queued).toBe(4);
    pool.cancel('gone', [0, 2]);
    expect(pool.queued).toBe(2);
    await rec.resultsFor('kept', 1);
    expect(rec.results.filter((r) => r.jobId === 'gone').map((r) => r.p)).toEqual([1]);
  });

  it.each(['threads', 'processes'] as const)('kills the slot of a running cancelled partition, reports nothing, and respawns (%s)', async (mode) => {
    const { pool, rec } = await startPool(mode);
    pool.submit(work('c', drill, [{ kind: 'hang' }, { kind: 'ok', value: 1 }]));
    await rec.until(() => rec.dispatched.length === 1, 'the hanging partition to be dispatched');
    pool.cancel('c', [0]);
    await rec.resultsFor('c', 1);
    expect(rec.exits).toMatchObject([{ cause: 'cancel', partitions: [0] }]);
    expect(rec.results.map((r) => [r.jobId, r.p, r.ok])).toEqual([['c', 1, true]]);
    pool.submit(work('after', drill, [{ kind: 'ok', value: 2 }]));
    await rec.resultsFor('after', 1);
    expect(rec.results.filter((r) => r.jobId === 'c')).toHaveLength(1);
  });
});

describe('drain', () => {
  it('finishes queued and running partitions, then stops', async () => {
    const { pool, rec } = await startPool('threads', { slots: 2 });
    pool.submit(
      work(
        'd',
        drill,
        [1, 2, 3, 4].map(() => ({ kind: 'sleep', ms: 50 })),
      ),
    );
    await pool.drain(5_000);
    expect(rec.results.filter((r) => r.ok)).toHaveLength(4);
    expect(pool.size).toBe(0);
    pool.submit(work('late', drill, [{ kind: 'ok', value: 1 }]));
    expect(rec.result('late', 0)).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN' } });
  });

  it('past the grace, fails what is left with SHUTTING_DOWN and stops', async () => {
    const { pool, rec } = await startPool('processes');
    pool.submit(work('d', drill, [{ kind: 'hang' }, { kind: 'ok', value: 1 }]));
    await rec.until(() => rec.dispatched.length === 1, 'the hanging partition to be dispatched');
    const pid = rec.ready[0]?.pid as number;
    const t0 = Date.now();
    await pool.drain(200);
    expect(Date.now() - t0).toBeLessThan(200 + STOP_TIMEOUT_MS);
    expect(rec.results.map((r) => [r.p, !r.ok && r.error.code])).toEqual(
      expect.arrayContaining([
        [0, 'SHUTTING_DOWN'],
        [1, 'SHUTTING_DOWN'],
      ]),
    );
    expect(alive(pid)).toBe(false);
  });
});

describe('stop', () => {
  it('leaves no child process behind', async () => {
    const { pool, rec } = await startPool('processes', { slots: 2 });
    pool.submit(work('s', drill, [{ kind: 'hang' }, { kind: 'ok', value: 1 }]));
    await rec.until(() => rec.dispatched.length === 2, 'both partitions dispatched');
    const pids = rec.ready.map((r) => r.pid as number);
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    await pool.stop();
    expect(pids.some(alive)).toBe(false);
    expect(pool.size).toBe(0);
    await pool.stop(); // idempotent
  });

  it('SIGKILLs a process slot that ignores SIGTERM, after STOP_TIMEOUT_MS', { timeout: STOP_TIMEOUT_MS + 10_000 }, async () => {
    const { pool, rec } = await startPool('processes');
    pool.submit(work('s', drill, [{ kind: 'deaf-hang' }]));
    await rec.until(() => rec.dispatched.length === 1, 'the partition to be dispatched');
    const pid = rec.ready[0]?.pid as number;
    // Let the slot install its SIGTERM handler.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const t0 = Date.now();
    await pool.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(STOP_TIMEOUT_MS - 50);
    expect(rec.exits[0]).toMatchObject({ cause: 'shutdown', signal: 'SIGKILL' });
    expect(alive(pid)).toBe(false);
  });

  it('stops thread slots in a busy loop', async () => {
    const { pool, rec } = await startPool('threads');
    pool.submit(work('s', drill, [{ kind: 'hang' }]));
    await rec.until(() => rec.dispatched.length === 1, 'the partition to be dispatched');
    await pool.stop();
    expect(rec.exits).toMatchObject([{ cause: 'shutdown', mode: 'thread' }]);
    expect(rec.result('s', 0)).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN' } });
  });

  it('refuses a pool without slots', () => {
    expect(() => new SlotPool({ slots: 0, mode: 'auto', logger: silentLogger, events: new Recorder().events })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});
