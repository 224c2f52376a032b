/**
 * The cluster as a pure state machine: each input returns its effects, and
 * these tests match them directly, with no recorder in between.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION, RATES, silentLogger } from '@cohort/shared';
import { Cluster } from '../cluster.js';
import { BASE_CONFIG, hello, makeJob, ok } from './helpers.js';

const T0 = 1_000;

function cluster(): Cluster {
  return new Cluster(BASE_CONFIG, silentLogger);
}

describe('cluster inputs return their effects', () => {
  it('join: a welcome to the new session, then the news', () => {
    const c = cluster();
    const { session, effects } = c.join('s1', hello('a', 2), T0, undefined);
    expect(session?.state).toBe('ready');
    expect(effects).toEqual([
      { type: 'send', session, message: expect.objectContaining({ type: 'welcome', protocol: PROTOCOL_VERSION, sessionId: 's1' }) },
      { type: 'notify', event: { kind: 'agent-joined', at: T0, agentId: 's1', agent: 'a', slots: 2, mode: 'auto' } },
    ]);
  });

  it('join with another protocol: only a close, and no session', () => {
    const c = cluster();
    const { session, effects } = c.join('s1', hello('a', 2, { protocol: PROTOCOL_VERSION + 1 }), T0, undefined);
    expect(session).toBeUndefined();
    expect(effects).toEqual([{ type: 'close', session: expect.objectContaining({ id: 's1' }), code: ErrorCode.PROTOCOL_VERSION, message: expect.any(String) }]);
    expect(c.agents.size).toBe(0);
  });

  it('submit, schedule, results: an assign batch, then a journal record per result, progress, and the merge', () => {
    const c = cluster();
    const s = c.join('s1', hello('a', 1), T0, undefined).session!;
    const job = makeJob('j1', 2);
    expect(c.submit(job)).toEqual([]);
    const assigned = c.schedule(T0);
    expect(assigned).toEqual([
      {
        type: 'send',
        session: s,
        message: expect.objectContaining({
          type: 'assign',
          jobId: 'j1',
          items: [expect.objectContaining({ p: 0, a: 1 }), expect.objectContaining({ p: 1, a: 1 })],
        }),
      },
    ]);
    expect(job.status).toBe('running');

    const all = c.receive(s, { type: 'results', jobId: 'j1', items: [ok(0, 1), ok(1, 1)] }, T0 + 5);
    // Each accepted attempt is also observed (the dashboard's and the metrics' feed), before its journal record.
    expect(all.filter((e) => e.type === 'observe').map((e) => e.observation)).toEqual([
      expect.objectContaining({ kind: 'attempt', jobId: 'j1', partition: 0, attempt: 1, agent: 'a', outcome: 'ok', at: T0 + 5 }),
      expect.objectContaining({ kind: 'attempt', jobId: 'j1', partition: 1, attempt: 1, agent: 'a', outcome: 'ok', at: T0 + 5 }),
    ]);
    const effects = all.filter((e) => e.type !== 'observe');
    expect(effects).toEqual([
      { type: 'journal', job, partition: job.partitions[0], attempt: 1 },
      { type: 'journal', job, partition: job.partitions[1], attempt: 1 },
      { type: 'progress', job },
      { type: 'merge', job },
    ]);
    expect(job.status).toBe('merging');

    expect(c.merged(job, { result: 10 }, T0 + 6)).toEqual([{ type: 'finished', job }]);
    expect(job.status).toBe('succeeded');
    // Retiring lets go of the partitions but keeps the report.
    expect(c.retire(job)).toEqual([]);
    expect(job.partitions).toEqual([]);
    expect(c.jobs.get('j1')).toBe(job);
  });

  it('an empty job merges at once', () => {
    const c = cluster();
    const job = makeJob('j0', 0);
    expect(c.submit(job)).toEqual([{ type: 'merge', job }]);
    expect(job.status).toBe('merging');
  });

  it('tick: a heartbeat to each live session; past the timeout, the loss and a close', () => {
    const c = cluster();
    const s = c.join('s1', hello('a', 1), T0, undefined).session!;
    expect(c.tick(T0 + BASE_CONFIG.heartbeatMs)).toEqual([
      { type: 'send', session: s, message: { type: 'heartbeat', seq: 1, sentAt: T0 + BASE_CONFIG.heartbeatMs } },
    ]);
    const late = T0 + BASE_CONFIG.heartbeatTimeoutMs + 50;
    // Ticks in between, as the timer would, so that the silence is not forgiven as a pause of the coordinator.
    for (let t = T0 + 2 * BASE_CONFIG.heartbeatMs; t < late; t += BASE_CONFIG.heartbeatMs) c.tick(t);
    const effects = c.tick(late);
    expect(effects.filter((e) => e.type === 'notify')).toEqual([{ type: 'notify', event: expect.objectContaining({ kind: 'agent-lost', reason: 'timeout' }) }]);
    expect(effects.at(-1)).toEqual({ type: 'close', session: s, code: ErrorCode.DECLARED_DEAD, message: expect.any(String) });
    expect(s.state).toBe('dead');
  });

  it('an input that throws part-way leaves what it did to pending(), not to the next input', () => {
    const c = cluster();
    const s = c.join('s1', hello('a', 1), T0, undefined).session!;
    const job = makeJob('j1', 2);
    c.submit(job);
    c.schedule(T0);
    // A bug met on the second item of a frame, after the first was accepted.
    job.partitions[1]!.issued = () => {
      throw new Error('a bug');
    };
    expect(() => c.receive(s, { type: 'results', jobId: 'j1', items: [ok(0, 1), ok(1, 1)] }, T0 + 1)).toThrow('a bug');
    // The accepted result's journal record is not lost: the executor carries it out from pending().
    expect(c.pending().filter((e) => e.type !== 'observe')).toEqual([{ type: 'journal', job, partition: job.partitions[0], attempt: 1 }]);
    expect(c.tick(T0 + 2).filter((e) => e.type === 'journal')).toEqual([]);
  });

  it('a frame that ends in an expulsion: what it answered first is kept, then the close, then the loss and its requeues', () => {
    const c = cluster();
    const s = c.join('s1', hello('a', 1), T0, undefined).session!;
    const job = makeJob('j1', 2);
    c.submit(job);
    c.schedule(T0);
    const forged = Array.from({ length: RATES.unissuedResultsPerSession + 1 }, () => ok(1, 9));
    const all = c.receive(s, { type: 'results', jobId: 'j1', items: [ok(0, 1), ...forged] }, T0 + 1);
    expect(all.filter((e) => e.type === 'observe').map((e) => e.observation)).toEqual([
      expect.objectContaining({ partition: 0, outcome: 'ok' }),
      expect.objectContaining({ partition: 1, outcome: 'requeued', code: 'agent-closed' }),
    ]);
    const effects = all.filter((e) => e.type !== 'observe');
    expect(effects.map((e) => (e.type === 'notify' ? `notify:${e.event.kind}` : e.type))).toEqual([
      'journal',
      'progress',
      'close',
      'progress',
      'notify:agent-lost',
    ]);
    expect(effects[2]).toEqual({ type: 'close', session: s, code: ErrorCode.RESULT_NOT_ISSUED, message: expect.any(String) });
    expect(job.partitions[0]!.state).toBe('succeeded');
    expect(job.partitions[1]!.state).toBe('pending');
    expect(s.state).toBe('dead');
  });

  it('a loss that fails a job part-way does not requeue the rest of that job', () => {
    const c = cluster();
    const s = c.join('s1', hello('a', 4), T0, undefined).session!;
    const job = makeJob('j1', 3, { maxAttempts: 1 });
    c.submit(job);
    c.schedule(T0);
    c.receive(
      s,
      {
        type: 'started',
        jobId: 'j1',
        items: [
          [0, 1],
          [1, 1],
          [2, 1],
        ],
      },
      T0 + 1,
    );
    // The agent dies while running all three: with maxAttempts 1, the first death fails the job.
    const effects = c.disconnected(s, T0 + 2);
    expect(job.status).toBe('failed');
    expect(job.requeued).toBe(0);
    expect(effects.filter((e) => e.type === 'notify')).toEqual([{ type: 'notify', event: expect.objectContaining({ kind: 'agent-lost', requeued: 0 }) }]);
    expect(effects.filter((e) => e.type === 'finished')).toEqual([{ type: 'finished', job }]);
  });
});

describe('every attempt issued ends in one attempt observation', () => {
  const ended = (effects: readonly { type: string; observation?: { kind: string; outcome?: string } }[]) =>
    effects.flatMap((e) => (e.type === 'observe' && e.observation?.kind === 'attempt' ? [e.observation.outcome] : []));

  it('a partition that fails its job by agent deaths ends failed (found by the hostile review)', () => {
    const c = cluster();
    const s = c.join('s1', hello('a', 1), T0, undefined).session!;
    const job = makeJob('j1', 1, { maxAttempts: 1 });
    c.submit(job);
    c.schedule(T0);
    c.receive(s, { type: 'started', jobId: 'j1', items: [[0, 1]] }, T0 + 1);
    const effects = c.disconnected(s, T0 + 2);
    expect(job.status).toBe('failed');
    expect(ended(effects)).toEqual(['failed']);
  });

  it('the original of a speculative copy, lost with its agent, ends speculative-lost; the copy wins', () => {
    const c = cluster();
    const a = c.join('s1', hello('a', 1), T0, undefined).session!;
    const job = makeJob('j1', 1);
    c.submit(job);
    c.schedule(T0);
    const p = job.partitions[0]!;
    job.speculate(p, T0 + 5); // as the straggler check would
    const b = c.join('s2', hello('b', 1), T0 + 6, undefined).session!;
    c.schedule(T0 + 6);
    expect(p.agent).toBe(b);
    expect(ended(c.disconnected(a, T0 + 7))).toEqual(['speculative-lost']);
    expect(ended(c.receive(b, { type: 'results', jobId: 'j1', items: [ok(0, 2)] }, T0 + 8))).toEqual(['speculative-won']);
  });
});
