import { afterEach, describe, expect, it } from 'vitest';
import type { AgentMode } from '@cohort/shared';
import { fixtureTask, work } from './fixtures/recorder.js';
import type { SlotPoolOptions } from './types.js';
import { PoolHarness } from './fixtures/pools.js';

const drill = fixtureTask('drill');

const harness = new PoolHarness(1);
const startPool = (mode: AgentMode, extra: Partial<SlotPoolOptions> = {}) => harness.start(mode, extra);

afterEach(() => harness.stopAll());

/** Crash one slot with `input`, check the evidence, then check the respawned slot runs the next partitions. */
async function crashAndRecover(agentMode: AgentMode, input: object, heapLimitMb?: number) {
  const { pool, rec } = await startPool(agentMode, heapLimitMb ? { heapLimitMb } : {});
  pool.submit(work('crash', drill, [input]));
  await rec.resultsFor('crash', 1, 20_000);
  const failed = rec.result('crash', 0);
  expect(failed).toMatchObject({ ok: false, error: { code: 'SLOT_CRASHED' } });
  const details = (failed?.ok === false ? failed.error.details : undefined) as Record<string, unknown>;
  expect(details).toMatchObject({ mode: agentMode === 'processes' ? 'process' : 'thread', slotState: 'busy', partitions: [0], cause: 'crash' });
  expect(details).toHaveProperty('exitCode');
  expect(details).toHaveProperty('signal');
  expect(details.hint).toEqual(expect.any(String));
  expect(details.heapLimitMb).toBe(heapLimitMb ?? 512);
  expect(rec.exits).toHaveLength(1);

  pool.submit(
    work(
      'after',
      drill,
      [1, 2, 3].map((value) => ({ kind: 'ok', value })),
    ),
  );
  await rec.resultsFor('after', 3);
  expect(rec.results.filter((r) => r.jobId === 'after').every((r) => r.ok)).toBe(true);
  expect(pool.size).toBe(1);
  return details;
}

describe('slot crashes take down only their slot', () => {
  it.each(['threads', 'processes'] as const)('process.exit() in run (%s)', async (mode) => {
    const details = await crashAndRecover(mode, { kind: 'exit', code: 3 });
    expect(details).toMatchObject({ exitCode: 3, signal: null, oom: false });
  });

  it.each(['threads', 'processes'] as const)('a throw from a timer (%s)', async (mode) => {
    const details = await crashAndRecover(mode, { kind: 'timer-throw' });
    expect(details).toMatchObject({ exitCode: 1, signal: null, error: expect.stringContaining('thrown from a timer') });
  });

  it.each(['threads', 'processes'] as const)('out of heap with a 64 MB limit (%s)', { timeout: 30_000 }, async (mode) => {
    const details = await crashAndRecover(mode, { kind: 'oom' }, 64);
    expect(details.oom).toBe(true);
    if (mode === 'processes') expect(details.signal ?? details.exitCode).toBeTruthy();
  });

  it('process.abort() in a process slot', async () => {
    const details = await crashAndRecover('processes', { kind: 'abort' });
    expect(details).toMatchObject({ exitCode: null, signal: 'SIGABRT' });
  });

  it('a crash inside a batch blames no bystander: the batch reruns one at a time and the culprit takes the blame', async () => {
    const { pool, rec } = await startPool('threads');
    // Run-time averages are per job: warm this job (partition 100) so that the next six go out as one batch.
    pool.submit(work('batch', drill, [{ kind: 'ok', value: 100 }], { firstP: 100 }));
    await rec.resultsFor('batch', 1);
    const inputs = [0, 1, 2, 3, 4, 5].map((value) => (value === 3 ? { kind: 'exit', code: 4 } : { kind: 'ok', value }));
    pool.submit(work('batch', drill, inputs));
    await rec.resultsFor('batch', 7);
    expect(rec.dispatched.find((d) => d.ps.length === 6)).toBeDefined();
    for (const p of [0, 1, 2, 4, 5]) expect(rec.result('batch', p)).toMatchObject({ ok: true, value: { value: p } });
    expect(rec.result('batch', 3)).toMatchObject({ ok: false, error: { code: 'SLOT_CRASHED', details: { exitCode: 4, partitions: [3] } } });
    expect(rec.exits).toHaveLength(2);
  });
});

describe('auto mode', () => {
  it('escalates a task to processes after it crashed a thread slot, announcing it once', async () => {
    const { pool, rec } = await startPool('auto');
    pool.submit(work('j1', drill, [{ kind: 'exit', code: 5 }]));
    await rec.resultsFor('j1', 1);
    expect(rec.result('j1', 0)).toMatchObject({ ok: false, mode: 'thread', why: 'auto-cpu-pure', error: { code: 'SLOT_CRASHED' } });
    expect(rec.modeChanges).toHaveLength(1);
    expect(rec.modeChanges[0]).toMatchObject({
      type: 'mode-change',
      task: drill,
      mode: 'process',
      why: 'escalated-after-crash',
      evidence: { code: 'SLOT_CRASHED', details: { exitCode: 5, mode: 'thread' } },
    });

    pool.submit(
      work(
        'j2',
        drill,
        [
          { kind: 'ok', value: 1 },
          { kind: 'exit', code: 6 },
          { kind: 'ok', value: 3 },
        ],
        { isolation: 'thread' },
      ),
    );
    await rec.resultsFor('j2', 3);
    for (const p of [0, 1, 2]) expect(rec.result('j2', p)).toMatchObject({ mode: 'process', why: 'escalated-after-crash' });
    expect(rec.result('j2', 1)).toMatchObject({ ok: false, error: { code: 'SLOT_CRASHED', details: { mode: 'process', exitCode: 6 } } });
    expect(rec.modeChanges).toHaveLength(1);
    // Other tasks still run on threads.
    pool.submit(work('j3', fixtureTask('noop'), [7]));
    await rec.resultsFor('j3', 1);
    expect(rec.result('j3', 0)).toMatchObject({ ok: true, value: 7, mode: 'thread' });
  });
});

describe('timeouts', () => {
  it.each(['threads', 'processes'] as const)('kill a hanging partition with PARTITION_TIMEOUT; the others complete (%s)', async (mode) => {
    const { pool, rec } = await startPool(mode);
    const inputs = [{ kind: 'ok', value: 0 }, { kind: 'hang' }, { kind: 'ok', value: 2 }];
    pool.submit(work('t', drill, inputs, { timeoutMs: 300 }));
    await rec.resultsFor('t', 3);
    expect(rec.result('t', 0)).toMatchObject({ ok: true });
    expect(rec.result('t', 2)).toMatchObject({ ok: true });
    expect(rec.result('t', 1)).toMatchObject({
      ok: false,
      error: { code: 'PARTITION_TIMEOUT', details: { cause: 'timeout', partitions: [1], slotState: 'stopping', hint: expect.stringContaining('timeoutMs') } },
    });
    expect(rec.dispatched.every((d) => d.size === 1)).toBe(true);
    expect(rec.started.flatMap((s) => s.items)).toHaveLength(3);
  });
});
