/**
 * Issue 8, items 2-4 and 10, on the cluster core with events alone: nothing
 * an agent says is taken on trust.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, LIMITS, RATES } from '@cohort/shared';
import { INITIAL_WINDOW_MAX } from '../agent-session.js';
import { MAX_EARLIER_ATTEMPTS } from '../job.js';
import { answerAll, join, makeCluster, makeJob, ok, tickTo } from './helpers.js';

const T0 = 1_000;

function oneJob(partitions: number, spec: Parameters<typeof makeJob>[2] = {}) {
  const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000, timeoutGraceMs: 500 });
  const a = join(cluster, 'a', 1, T0, { maxPrefetch: 1 });
  const job = makeJob('j1', partitions, spec);
  cluster.submit(job);
  cluster.schedule(T0);
  return { cluster, fx, a, job };
}

describe('results are accepted only from the session issued that attempt', () => {
  it('a rogue that sent draining cannot answer partitions it never held; the honest answer wins', () => {
    const { cluster, fx, a, job } = oneJob(4);
    const rogue = join(cluster, 'rogue', 1, T0 + 1, { maxPrefetch: 0 });
    cluster.receive(rogue, { type: 'draining' }, T0 + 2);
    const forged = [0, 1, 2, 3].map((p) => ok(p, 1, 'forged'));
    cluster.receive(rogue, { type: 'results', jobId: 'j1', items: forged }, T0 + 3);
    expect(job.done).toBe(0);
    expect(job.unissued).toBe(4);
    answerAll(cluster, fx, a, T0 + 4);
    for (let t = T0 + 5; job.status === 'running' && t < T0 + 100; t++) {
      const since = fx.sent.length;
      cluster.schedule(t);
      answerAll(cluster, fx, a, t, since);
    }
    expect(job.status).toBe('merging');
    expect(job.partitions.map((p) => p.value)).toEqual([0, 10, 20, 30]);
    expect(fx.acceptedItems.every((x) => x.value !== 'forged')).toBe(true);
  });

  it('an attempt number never issued (2^53-1, or the next one) is dropped, and the next assign is still valid', () => {
    const { cluster, fx, a, job } = oneJob(2);
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, Number.MAX_SAFE_INTEGER), ok(1, 2)] }, T0 + 1);
    expect(job.done).toBe(0);
    expect(job.partitions[0]!.attempt).toBe(1);
    answerAll(cluster, fx, a, T0 + 2);
    expect(job.done).toBe(2);
    for (const m of fx.assigns()) for (const item of m.items) expect(item.a).toBeLessThanOrEqual(LIMITS.attempt.max);
  });

  it('a session that keeps sending unissued results is expelled with RESULT_NOT_ISSUED, and its work goes back', () => {
    const { cluster, fx, job } = oneJob(4);
    const rogue = join(cluster, 'rogue', 1, T0 + 1, { maxPrefetch: 1 });
    cluster.schedule(T0 + 2);
    const held = rogue.held.size;
    const forged = Array.from({ length: RATES.unissuedResultsPerSession + 1 }, () => ok(0, 999));
    cluster.receive(rogue, { type: 'results', jobId: 'j1', items: forged }, T0 + 3);
    expect(fx.closed).toEqual([expect.objectContaining({ to: 'rogue', code: ErrorCode.RESULT_NOT_ISSUED })]);
    expect(rogue.state).toBe('dead');
    expect(job.requeued).toBe(held);
    // An expelled session's loss is not a death held against the partitions it had.
    for (const p of job.partitions) expect(p.deaths).toBeUndefined();
  });

  it('a re-joining agent may answer what its earlier session was issued, but only if it names that session', () => {
    const { cluster, a, job } = oneJob(2);
    cluster.disconnected(a, T0 + 1);
    const stranger = join(cluster, 'a', 1, T0 + 2, { id: 'a-2' });
    cluster.receive(stranger, { type: 'results', jobId: 'j1', items: [ok(0, 1)] }, T0 + 3);
    expect(job.done).toBe(0);
    const heir = join(cluster, 'a', 1, T0 + 4, { id: 'a-3', previousSessionId: 'a' });
    cluster.receive(heir, { type: 'results', jobId: 'j1', items: [ok(0, 1)] }, T0 + 5);
    expect(job.done).toBe(1);
  });
});

describe('a re-joining agent', () => {
  it('that names a still-live session supersedes it: the old one is closed, and nothing is held against its partitions', () => {
    const { cluster, fx, a, job } = oneJob(2, { maxAttempts: 1 });
    cluster.receive(a, { type: 'started', jobId: 'j1', items: [[0, 1]] }, T0 + 1);
    const heir = join(cluster, 'a', 1, T0 + 2, { id: 'a-2', previousSessionId: 'a' });
    expect(a.state).toBe('dead');
    expect(fx.closed).toEqual([expect.objectContaining({ to: 'a', code: ErrorCode.DECLARED_DEAD })]);
    expect(job.partitions[0]!.deaths).toBeUndefined();
    cluster.receive(heir, { type: 'results', jobId: 'j1', items: [ok(0, 1)] }, T0 + 3);
    expect(job.done).toBe(1);
  });

  it('may answer only the last MAX_EARLIER_ATTEMPTS earlier attempts: the check stays cheap after a loss loop', () => {
    const { cluster, fx, job } = oneJob(1);
    let s = cluster.agents.get('a')!;
    for (let i = 1; i <= MAX_EARLIER_ATTEMPTS + 3; i++) {
      cluster.disconnected(s, T0 + i * 10);
      s = join(cluster, 'a', 1, T0 + i * 10 + 1, { id: `a-${i}`, previousSessionId: s.id });
      cluster.schedule(T0 + i * 10 + 2);
    }
    const p = job.partitions[0]!;
    expect(p.earlier!.length).toBe(MAX_EARLIER_ATTEMPTS);
    cluster.receive(s, { type: 'results', jobId: 'j1', items: [ok(0, 1)] }, T0 + 1000);
    expect(job.done).toBe(0);
    cluster.receive(s, { type: 'results', jobId: 'j1', items: [ok(0, p.attempt - 1)] }, T0 + 1001);
    expect(job.done).toBe(1);
    expect(fx.closed).toEqual([]);
  });
});

describe("credit and deadlines are the coordinator's", () => {
  it('an agent declaring the most slots holds no more than the slow-start window before its first result', () => {
    const { cluster, fx } = makeCluster();
    const greedy = join(cluster, 'greedy', LIMITS.slots.max, T0, { maxPrefetch: LIMITS.maxPrefetch.max });
    cluster.submit(makeJob('j1', 1000));
    cluster.schedule(T0);
    expect(fx.assigned('greedy')).toHaveLength(INITIAL_WINDOW_MAX);
    expect(greedy.window).toBe(INITIAL_WINDOW_MAX);
  });

  it('maxAgentCredit caps the window after results too', () => {
    const { cluster, fx } = makeCluster({ maxAgentCredit: 10 });
    const s = join(cluster, 's', 8, T0, { maxPrefetch: 1000 });
    cluster.submit(makeJob('j1', 1000));
    cluster.schedule(T0);
    answerAll(cluster, fx, s, T0 + 1);
    cluster.schedule(T0 + 2);
    expect(s.held.size).toBe(10);
  });

  it('an agent that never answers loses the partition at timeoutMs + grace: a PARTITION_TIMEOUT attempt, and a cancel', () => {
    const { cluster, fx, a, job } = oneJob(1, { timeoutMs: 1000, maxAttempts: 2 });
    cluster.receive(a, { type: 'started', jobId: 'j1', items: [[0, 1]] }, T0 + 10);
    tickTo(cluster, T0, T0 + 1400);
    expect(job.partitions[0]!.state).toBe('running');
    tickTo(cluster, T0 + 1400, T0 + 1600);
    const p = job.partitions[0]!;
    expect(p.failures).toEqual([expect.objectContaining({ attempt: 1, agent: 'a', error: expect.objectContaining({ code: ErrorCode.PARTITION_TIMEOUT }) })]);
    expect(fx.cancels('a')).toEqual([{ type: 'cancel', jobId: 'j1', items: [0] }]);
    // The agent's own timeout report for the same attempt is not counted twice.
    cluster.receive(
      a,
      {
        type: 'results',
        jobId: 'j1',
        items: [
          { p: 0, a: 1, ok: false, error: { code: ErrorCode.PARTITION_TIMEOUT, name: 'E', message: 'x' }, ms: 1000, mode: 'thread', why: 'agent-threads' },
        ],
      },
      T0 + 1601,
    );
    expect(p.failures).toHaveLength(1);
    cluster.schedule(T0 + 1602);
    tickTo(cluster, T0 + 1602, T0 + 5000);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe(ErrorCode.PARTITION_FAILED);
  });

  it('a partition still queued on the agent gets twice the timeout before it is reclaimed', () => {
    const { cluster, job } = oneJob(1, { timeoutMs: 1000 });
    tickTo(cluster, T0, T0 + 2400);
    expect(job.partitions[0]!.failures).toBeUndefined();
    tickTo(cluster, T0 + 2400, T0 + 2600);
    expect(job.partitions[0]!.failures).toHaveLength(1);
  });
});

describe('agent deaths count against the partitions that were running', () => {
  it('after maxAttempts agents died running it, the partition fails the job with PARTITION_FAILED naming them', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
    const job = makeJob('j1', 1, { maxAttempts: 3 });
    cluster.submit(job);
    const names: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const s = join(cluster, `victim-${i}`, 1, T0 + i * 10);
      cluster.schedule(T0 + i * 10);
      const [assigned] = fx.assigned(s.id);
      expect(assigned).toBeDefined();
      cluster.receive(s, { type: 'started', jobId: 'j1', items: [[assigned!.p, assigned!.a]] }, T0 + i * 10 + 1);
      cluster.disconnected(s, T0 + i * 10 + 2);
      names.push(s.name);
      expect(job.status).toBe(i < 3 ? 'running' : 'failed');
    }
    expect(job.error?.code).toBe(ErrorCode.PARTITION_FAILED);
    expect(job.error?.details).toMatchObject({ partition: 0, deaths: names });
  });

  it('a partition only queued on an agent that died is requeued without a count', () => {
    const { cluster, a, job } = oneJob(2, { maxAttempts: 1 });
    cluster.disconnected(a, T0 + 5);
    expect(job.status).toBe('running');
    for (const p of job.partitions) expect(p.deaths).toBeUndefined();
    expect(job.requeued).toBe(2);
  });

  it('an agent that drained and left is no suspect', () => {
    const { cluster, a, job } = oneJob(1, { maxAttempts: 1 });
    cluster.receive(a, { type: 'started', jobId: 'j1', items: [[0, 1]] }, T0 + 1);
    cluster.receive(a, { type: 'draining' }, T0 + 2);
    cluster.disconnected(a, T0 + 3);
    expect(job.status).toBe('running');
    expect(job.partitions[0]!.deaths).toBeUndefined();
  });
});

describe('floods', () => {
  it('a repeated mode-change is not news; past the bound the session is closed with RATE_LIMITED', () => {
    const { cluster, fx, a } = oneJob(1);
    const change = { type: 'mode-change', task: 'noop', mode: 'process', why: 'escalated-after-crash' } as const;
    for (let i = 0; i < RATES.modeChangesPerSession; i++) cluster.receive(a, change, T0 + 1);
    expect(fx.eventsOf('mode-escalated')).toHaveLength(1);
    expect(fx.closed).toEqual([]);
    cluster.receive(a, change, T0 + 2);
    expect(fx.closed).toEqual([expect.objectContaining({ to: 'a', code: ErrorCode.RATE_LIMITED })]);
    expect(a.state).toBe('dead');
  });
});

describe('finished jobs keep their weight off', () => {
  it('release() drops partitions, inputs and queues but keeps the counts a report needs', () => {
    const job = makeJob('j1', 1000, { input: { big: 'x'.repeat(1000) } });
    job.result = 42;
    job.status = 'succeeded';
    job.release();
    expect(job.partitions).toEqual([]);
    expect(job.spec.input).toBeUndefined();
    expect(job.total).toBe(1000);
    expect(job.waiting).toBe(0);
    expect(job.result).toBe(42);
  });
});
