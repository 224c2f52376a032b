import { describe, expect, it } from 'vitest';
import type { AttemptOutcome, SlotMode } from '@cohort/shared';
import type { Observation } from '../observations.js';
import { MetricsObserver } from './observations.js';

const attempt = (outcome: AttemptOutcome, more: { attempt?: number; ms?: number; mode?: SlotMode | 'unknown' } = {}): Observation => ({
  kind: 'attempt',
  at: 0,
  jobId: 'j1',
  partition: 7,
  attempt: more.attempt ?? 1,
  agent: 'a1',
  mode: more.mode ?? 'thread',
  startedAt: 0,
  ms: more.ms ?? 20,
  outcome,
});

describe('MetricsObserver', () => {
  it('counts attempts by outcome, and the slot time of accepted ones by mode, in seconds', () => {
    const m = new MetricsObserver(() => undefined);
    m.observe(attempt('ok', { ms: 2 }));
    m.observe(attempt('ok', { ms: 2000, mode: 'process' }));
    m.observe(attempt('failed', { ms: 5 }));
    m.observe(attempt('requeued'));
    expect(m.completed).toMatchObject({ ok: 2, failed: 1, requeued: 1, 'speculative-won': 0, cancelled: 0 });
    expect(m.durations.get('thread')!.count).toBe(1);
    expect(m.durations.get('thread')!.sum).toBeCloseTo(0.002);
    expect(m.durations.get('process')!.sum).toBeCloseTo(2);
  });

  it('counts a speculative win only when the newest attempt (the copy) won', () => {
    let latest = 2;
    const m = new MetricsObserver((jobId, p) => (jobId === 'j1' && p === 7 ? latest : undefined));
    m.observe(attempt('speculative-won', { attempt: 1 })); // the original won the race
    m.observe(attempt('speculative-lost', { attempt: 2 }));
    expect(m.speculativeWins).toBe(0);
    latest = 3;
    m.observe(attempt('speculative-won', { attempt: 3 }));
    expect(m.speculativeWins).toBe(1);
    expect(m.completed['speculative-won']).toBe(2);
    expect(m.durations.get('thread')!.count).toBe(2);
  });

  it('counts deaths by reason, and agents that left apart', () => {
    const m = new MetricsObserver(() => undefined);
    const lost = (reason: 'closed' | 'timeout' | 'left'): Observation => ({
      kind: 'cluster',
      event: { kind: 'agent-lost', at: 0, agentId: 's', agent: 'a', reason, silentMs: 0, requeued: 0 },
    });
    m.observe(lost('closed'));
    m.observe(lost('timeout'));
    m.observe(lost('timeout'));
    m.observe(lost('left'));
    m.observe({ kind: 'cluster', event: { kind: 'agent-suspect', at: 0, agentId: 's', agent: 'a', silentMs: 1 } });
    expect(m.deaths).toEqual({ closed: 1, timeout: 2 });
    expect(m.left).toBe(1);
  });

  it('adds up socket bytes by direction and journal syncs', () => {
    const m = new MetricsObserver(() => undefined);
    m.observe({ kind: 'ws-bytes', direction: 'in', bytes: 100 });
    m.observe({ kind: 'ws-bytes', direction: 'out', bytes: 7 });
    m.observe({ kind: 'ws-bytes', direction: 'in', bytes: 1 });
    m.observe({ kind: 'journal-sync', at: 0, seconds: 0.003 });
    m.observe({ kind: 'job', at: 0, jobId: 'j1', task: 'noop', status: 'running', partitions: 1 });
    expect(m.wsBytes).toEqual({ in: 101, out: 7 });
    expect(m.journalSync.count).toBe(1);
  });
});
