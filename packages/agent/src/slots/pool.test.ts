import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type AgentMode } from '@cohort/shared';
import { SlotPool } from './pool.js';
import { Recorder, fixtureTask, work } from './fixtures/recorder.js';
import type { SlotPoolOptions } from './types.js';
import { PoolHarness } from './fixtures/pools.js';

const drill = fixtureTask('drill');
const noop = fixtureTask('noop');

const harness = new PoolHarness(2);
const startPool = (mode: AgentMode, extra: Partial<SlotPoolOptions> = {}) => harness.start(mode, extra);

afterEach(() => harness.stopAll());

describe('SlotPool results', () => {
  it.each([
    ['threads', 'thread', 'agent-threads'],
    ['processes', 'process', 'agent-processes'],
    ['auto', 'thread', 'auto-cpu-pure'],
  ] as const)('runs partitions correctly in %s mode', async (agentMode, mode, why) => {
    const { pool, rec } = await startPool(agentMode);
    pool.submit(
      work(
        'j1',
        drill,
        [1, 2, 3, 4, 5].map((value) => ({ kind: 'ok', value })),
        { a: 2 },
      ),
    );
    await rec.resultsFor('j1', 5);
    for (let p = 0; p < 5; p++) {
      expect(rec.result('j1', p)).toMatchObject({ p, a: 2, ok: true, mode, why, value: { value: p + 1, mode, p, a: 2, jobId: 'j1' } });
    }
    expect(pool.queued).toBe(0);
  });

  it('honours the task profile in auto mode', async () => {
    const { pool, rec } = await startPool('auto');
    pool.submit(work('thr', drill, [{ kind: 'ok', value: 1 }], { isolation: 'thread' }));
    pool.submit(work('proc', drill, [{ kind: 'ok', value: 2 }], { isolation: 'process' }));
    await rec.resultsFor('thr', 1);
    await rec.resultsFor('proc', 1);
    expect(rec.result('thr', 0)).toMatchObject({ ok: true, mode: 'thread', why: 'profile-thread' });
    expect(rec.result('proc', 0)).toMatchObject({ ok: true, mode: 'process', why: 'profile-process' });
  });

  it.each(['threads', 'processes'] as const)('batches small partitions and reports results in batches (%s)', async (agentMode) => {
    const { pool, rec } = await startPool(agentMode);
    pool.submit(work('warm', noop, [0, 1]));
    await rec.resultsFor('warm', 2);
    const n = 2000;
    pool.submit(
      work(
        'many',
        noop,
        Array.from({ length: n }, (_, i) => i),
      ),
    );
    await rec.resultsFor('many', n);
    const batches = rec.dispatched.filter((d) => d.size > 1);
    expect(batches.length).toBeGreaterThan(0);
    expect(Math.max(...rec.dispatched.map((d) => d.size))).toBe(256);
    const calls = rec.resultCalls.filter((c) => c.jobId === 'many');
    expect(calls.length).toBeLessThan(n / 10);
    // A job is not "small" until measured: its first partition per slot goes out alone (and is
    // announced); everything after that is batched and not announced one by one.
    const announced = rec.started.filter((s) => s.jobId === 'many').flatMap((s) => s.items);
    expect(announced.length).toBeLessThanOrEqual(2);
    const values = rec.results.filter((r) => r.jobId === 'many').map((r) => (r.ok ? r.value : null));
    expect(values.sort((x, y) => (x as number) - (y as number))).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('in auto mode runs a thread job and a process job side by side, never more than `slots` at once', async () => {
    let maxBusy = 0;
    const rec = new Recorder();
    const pool = new SlotPool({
      slots: 2,
      mode: 'auto',
      logger: silentLogger,
      events: rec.events,
      hooks: {
        ...rec.hooks,
        beforeDispatch: (id, items) => {
          maxBusy = Math.max(maxBusy, pool.busySlots + 1);
          rec.hooks.beforeDispatch?.(id, items);
        },
      },
    });
    harness.track(pool);
    await pool.start();
    for (let i = 0; i < 20; i++) {
      pool.submit(
        work(
          't',
          noop,
          Array.from({ length: 100 }, (_, k) => k),
          { firstP: i * 100, isolation: 'thread' },
        ),
      );
      pool.submit(
        work(
          'p',
          noop,
          Array.from({ length: 100 }, (_, k) => k),
          { firstP: i * 100, isolation: 'process' },
        ),
      );
    }
    await rec.resultsFor('t', 2000);
    await rec.resultsFor('p', 2000);
    expect(maxBusy).toBeLessThanOrEqual(2);
    expect(new Set(rec.results.filter((r) => r.jobId === 'p').map((r) => r.mode))).toEqual(new Set(['process']));
    expect(new Set(rec.results.filter((r) => r.jobId === 't').map((r) => r.mode))).toEqual(new Set(['thread']));
    // Interleaved submissions still make long batches.
    expect(Math.max(...rec.dispatched.map((d) => d.size))).toBeGreaterThan(100);
  });

  it('dispatches unknown and long tasks one at a time, announcing them with onStarted', async () => {
    const { pool, rec } = await startPool('threads');
    pool.submit(
      work(
        'slow',
        drill,
        [1, 2, 3, 4].map(() => ({ kind: 'sleep', ms: 30 })),
      ),
    );
    await rec.resultsFor('slow', 4);
    expect(rec.dispatched.every((d) => d.size === 1)).toBe(true);
    expect(
      rec.started
        .flatMap((s) => s.items)
        .map(([p]) => p)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    // Two slots took their first partitions in one dispatch round: one onStarted call for both.
    expect(rec.started[0]?.items).toHaveLength(2);
  });

  it.each(['threads', 'processes'] as const)('a task error fails only its partition; the slot lives on (%s)', async (agentMode) => {
    const { pool, rec } = await startPool(agentMode, { slots: 1 });
    pool.submit(work('j', drill, [{ kind: 'throw' }, { kind: 'bad-input' }, { kind: 'uncloneable' }, { kind: 'ok', value: 9 }]));
    await rec.resultsFor('j', 4);
    expect(rec.result('j', 0)).toMatchObject({ ok: false, error: { code: 'TASK_ERROR', message: 'drill: boom' } });
    expect(rec.result('j', 1)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(rec.result('j', 2)).toMatchObject({ ok: false, error: { code: 'RESULT_NOT_SERIALIZABLE', details: { path: 'result' } } });
    expect(rec.result('j', 3)).toMatchObject({ ok: true, value: { value: 9 } });
    expect(rec.exits).toHaveLength(0);
    expect(pool.size).toBe(1);
  });

  it('an unknown task fails with UNKNOWN_TASK; a bad work item fails with BAD_INPUT', async () => {
    const { pool, rec } = await startPool('auto');
    pool.submit(work('u', '/nonexistent/task.mjs', [1, 2]));
    pool.submit(work('v', 'no-such-builtin-task', [1]));
    pool.submit({ jobId: 'bad', task: drill, isolation: 'auto', timeoutMs: 0, items: [{ p: -1, a: 0, input: 1 }] });
    await rec.resultsFor('u', 2);
    await rec.resultsFor('v', 1);
    await rec.resultsFor('bad', 1);
    expect(rec.results.filter((r) => r.jobId === 'u').map((r) => !r.ok && r.error.code)).toEqual(['UNKNOWN_TASK', 'UNKNOWN_TASK']);
    expect(rec.result('v', 0)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_TASK' } });
    expect(rec.results.find((r) => r.jobId === 'bad')).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  it('process.abort() in a thread slot is a task error, not a crash', async () => {
    const { pool, rec } = await startPool('threads', { slots: 1 });
    pool.submit(work('j', drill, [{ kind: 'abort' }, { kind: 'ok', value: 1 }]));
    await rec.resultsFor('j', 2);
    expect(rec.result('j', 0)).toMatchObject({ ok: false, mode: 'thread', error: { code: 'TASK_ERROR', details: { hint: expect.any(String) } } });
    expect(rec.result('j', 1)).toMatchObject({ ok: true });
    expect(rec.exits).toHaveLength(0);
  });
});
