import { describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger, type ResultItem } from '@cohort/shared';
import { codeOf } from '../../../../test/helpers/code-of.js';
import { PromText } from '../../../../test/helpers/prom-text.js';
import { compileOptions, DEFAULT_METRICS_HOST, DEFAULT_METRICS_PUBLIC, type AgentOptions } from '../options.js';
import type { SlotExitEvidence } from '../slots/index.js';
import { AgentCounts } from './counts.js';
import { agentRegistry } from './registry.js';

const compile = (options: Partial<AgentOptions> = {}) =>
  compileOptions({ connect: 'ws://127.0.0.1:7070', slots: 2, logger: silentLogger, env: {}, ...options });

const exit = (slotId: string, cause: SlotExitEvidence['cause']) => ({ slotId, mode: 'thread', cause }) as SlotExitEvidence;

describe('agent metrics options', () => {
  it('off by default; on loopback unless told; port 0 to 65535', () => {
    const o = compile();
    expect(o.metricsPort).toBeUndefined();
    expect(o.metricsHost).toBe(DEFAULT_METRICS_HOST);
    expect(DEFAULT_METRICS_HOST).toBe('127.0.0.1');
    expect(o.metricsPublic).toBe(DEFAULT_METRICS_PUBLIC);
    expect(compile({ metricsPort: 0 }).metricsPort).toBe(0);
    expect(codeOf(() => compile({ metricsPort: 65536 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ metricsPort: -1 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ metricsPort: 1.5 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('beyond loopback it needs the agent token or metricsPublic (INSECURE_BIND)', () => {
    expect(codeOf(() => compile({ metricsPort: 0, metricsHost: '0.0.0.0' }))).toBe(ErrorCode.INSECURE_BIND);
    expect(compile({ metricsPort: 0, metricsHost: '0.0.0.0', token: 't' }).metricsHost).toBe('0.0.0.0');
    expect(compile({ metricsPort: 0, metricsHost: '0.0.0.0', metricsPublic: true }).metricsPublic).toBe(true);
  });
});

describe('agent metrics', () => {
  it('count results by mode and outcome, a slot start once however often it is ready again, and exits by cause', async () => {
    const counts = new AgentCounts();
    const registry = agentRegistry({
      counts,
      slotStates: () => [
        ['thread', 'busy'],
        ['process', 'ready'],
        ['thread', 'starting'],
      ],
      queued: () => 5,
      cacheBytes: async () => 123,
    });
    const ok = { p: 0, a: 1, ok: true, value: 1, ms: 1, mode: 'thread', why: 'agent-threads' } as ResultItem;
    const failed = {
      p: 1,
      a: 1,
      ok: false,
      error: { code: 'TASK_ERROR', name: 'Error', message: 'x' },
      ms: 1,
      mode: 'process',
      why: 'agent-processes',
    } as ResultItem;
    counts.recordResults([ok, ok, failed]);
    const ready = counts.hooks.onSlotReady!;
    ready('t1', 'thread', undefined, 40);
    ready('t1', 'thread', undefined, 900); // ready again after a batch: not a start
    counts.hooks.onSlotExit!(exit('t1', 'crash'));
    ready('t2', 'thread', undefined, 60); // its replacement
    const m = new PromText(await registry.metrics());
    expect(m.value('cohort_agent_partitions_total', { mode: 'thread', outcome: 'ok' })).toBe(2);
    expect(m.value('cohort_agent_partitions_total', { mode: 'process', outcome: 'failed' })).toBe(1);
    expect(m.value('cohort_agent_slot_starts_total', { mode: 'thread' })).toBe(2);
    expect(m.value('cohort_agent_slot_exits_total', { mode: 'thread', cause: 'crash' })).toBe(1);
    expect(m.count('cohort_agent_slot_start_seconds', { mode: 'thread' })).toBe(2);
    expect(m.sum('cohort_agent_slot_start_seconds', { mode: 'thread' })).toBeCloseTo(0.1);
    expect(m.value('cohort_agent_slots', { mode: 'thread', state: 'busy' })).toBe(1);
    expect(m.value('cohort_agent_slots', { mode: 'thread', state: 'starting' })).toBe(1);
    expect(m.value('cohort_agent_slots', { mode: 'process', state: 'idle' })).toBe(1);
    expect(m.value('cohort_agent_slots', { mode: 'process', state: 'busy' })).toBe(0);
    expect(m.value('cohort_agent_queued_partitions')).toBe(5);
    expect(m.value('cohort_agent_bundle_cache_bytes')).toBe(123);
    expect([...m.labelNames('cohort_')].sort()).toEqual(['cause', 'le', 'mode', 'node', 'outcome', 'state', 'version']);
  });
});
