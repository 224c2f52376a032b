import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION } from '@cohort/shared';
import { answerAll, hello, join, makeCluster, makeJob, ok } from './helpers.js';

const T0 = 1_000;

describe('cluster: join', () => {
  it('a hello gets a welcome with the heartbeat settings, and the session is ready', () => {
    const { cluster, fx } = makeCluster();
    const s = cluster.join('s1', hello('a1', 2), T0, undefined);
    expect(s?.state).toBe('ready');
    expect(cluster.agents.get('s1')).toBe(s);
    expect(fx.sent).toHaveLength(1);
    expect(fx.sent[0]!.to).toBe('s1');
    expect(fx.sent[0]!.msg).toMatchObject({ type: 'welcome', protocol: PROTOCOL_VERSION, sessionId: 's1', heartbeatMs: 100, heartbeatTimeoutMs: 1000 });
    expect(fx.eventsOf('agent-joined')).toEqual([{ kind: 'agent-joined', at: T0, agentId: 's1', agent: 'a1', slots: 2, mode: 'auto' }]);
  });

  it('a protocol mismatch is closed with PROTOCOL_VERSION and makes no session', () => {
    const { cluster, fx } = makeCluster();
    const s = cluster.join('s1', hello('a1', 2, { protocol: PROTOCOL_VERSION + 1 }), T0, undefined);
    expect(s).toBeUndefined();
    expect(cluster.agents.size).toBe(0);
    expect(fx.closed.map((c) => c.code)).toEqual([ErrorCode.PROTOCOL_VERSION]);
    expect(fx.sent).toEqual([]);
    expect(fx.eventsOf('agent-joined')).toEqual([]);
  });

  it('a second hello on the same session closes it with BAD_FRAME and loses the session', () => {
    const { cluster, fx } = makeCluster();
    const s = join(cluster, 'a1', 1, T0);
    cluster.receive(s, hello('a1', 1), T0 + 1);
    expect(fx.closed.map((c) => c.code)).toEqual([ErrorCode.BAD_FRAME]);
    expect(s.state).toBe('dead');
    expect(cluster.agents.size).toBe(0);
  });
});

describe('cluster: schedule', () => {
  it('spreads partitions over two agents in proportion to free credit', () => {
    const { cluster, fx } = makeCluster();
    const small = join(cluster, 'small', 2, T0); // window 4 before any run time is known
    const big = join(cluster, 'big', 4, T0); // window 8
    const job = makeJob('j1', 6);
    cluster.submit(job);
    cluster.schedule(T0);
    expect(fx.assigned('big')).toHaveLength(4); // ceil(6 · 8/12)
    expect(fx.assigned('small')).toHaveLength(2); // ceil(6 · 4/12)
    const all = [...fx.assigned('big'), ...fx.assigned('small')].map((x) => x.p).sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5]);
    expect(small.held.size + big.held.size).toBe(6);
    expect(job.status).toBe('running');
    expect(job.startedAt).toBe(T0);
  });

  it('never exceeds a session window, and fills exactly the credit freed by results', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 2, T0, { maxPrefetch: 2 });
    const b = join(cluster, 'b', 3, T0, { maxPrefetch: 2 });
    cluster.submit(makeJob('j1', 1000));
    cluster.schedule(T0);
    expect(a.held.size).toBe(a.window);
    expect(b.held.size).toBe(b.window);
    const before = fx.sent.length;
    cluster.schedule(T0 + 1); // no credit left: nothing is sent
    expect(fx.sent.length).toBe(before);

    let now = T0 + 2;
    for (let round = 0; round < 50; round++) {
      // Each agent answers some of what it holds.
      for (const s of [a, b]) {
        const held = [...s.held].slice(0, 1 + (round % 3));
        cluster.receive(s, { type: 'results', jobId: 'j1', items: held.map((p) => ok(p.index, p.attempt)) }, now);
      }
      const credit = { a: a.credit, b: b.credit };
      const since = fx.sent.length;
      cluster.schedule(now++);
      expect(fx.assigned('a', since).length).toBeLessThanOrEqual(credit.a);
      expect(fx.assigned('b', since).length).toBeLessThanOrEqual(credit.b);
      expect(a.held.size).toBeLessThanOrEqual(a.window);
      expect(b.held.size).toBeLessThanOrEqual(b.window);
    }
    expect(a.window).toBe(4); // slots + min(maxPrefetch, …) once run times are known
    expect(b.window).toBe(5);
  });

  it('assign items carry {p, a, input} with attempt 1, and the job task, isolation and timeout', () => {
    const { cluster, fx } = makeCluster();
    join(cluster, 'a', 2, T0);
    const job = makeJob('j1', 3, { task: 'primes', timeoutMs: 5000 }, 0, ['in0', { x: 1 }, Buffer.from([9])]);
    cluster.submit(job);
    cluster.schedule(T0);
    expect(fx.assigns('a')).toEqual([
      {
        type: 'assign',
        jobId: 'j1',
        task: 'primes',
        isolation: 'thread',
        timeoutMs: 5000,
        items: [
          { p: 0, a: 1, input: 'in0' },
          { p: 1, a: 1, input: { x: 1 } },
          { p: 2, a: 1, input: Buffer.from([9]) },
        ],
      },
    ]);
    expect(job.partitions.map((p) => p.state)).toEqual(['assigned', 'assigned', 'assigned']);
    expect(job.partitions[0]!.history).toEqual([{ from: 'pending', to: 'assigned', event: 'assign', at: T0, attempt: 0, agent: 'a' }]);
    expect(job.attempts).toBe(3);
  });

  it('batches: one assign per agent per job per schedule call', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 16, T0); // window 32: room for both jobs
    cluster.submit(makeJob('j1', 10));
    cluster.submit(makeJob('j2', 12));
    cluster.schedule(T0);
    expect(fx.assigns('a').map((m) => [m.jobId, m.items.length])).toEqual([
      ['j1', 10],
      ['j2', 12],
    ]);
    // Two agents, two jobs, one call: never two assigns for the same (agent, job).
    const b = join(cluster, 'b', 16, T0);
    cluster.submit(makeJob('j3', 40));
    cluster.submit(makeJob('j4', 40));
    const since = fx.sent.length;
    cluster.schedule(T0 + 1);
    const keys = fx.sent
      .slice(since)
      .filter((s) => s.msg.type === 'assign')
      .map((s) => `${s.to}/${(s.msg as { jobId: string }).jobId}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(fx.assigned('a', since).length).toBe(a.window - 22);
    expect(fx.assigned('b', since).length).toBe(b.window);
  });

  it('in FIFO mode, serves jobs in submission order', () => {
    const { cluster, fx } = makeCluster({ scheduling: 'fifo' });
    join(cluster, 'a', 1, T0); // window 2
    cluster.submit(makeJob('first', 5));
    cluster.submit(makeJob('second', 5));
    cluster.schedule(T0);
    expect(fx.assigns().map((m) => m.jobId)).toEqual(['first']);
  });

  it('by default (fair), shares an agent window between the jobs (cluster-fair-share.test.ts)', () => {
    const { cluster, fx } = makeCluster();
    join(cluster, 'a', 1, T0); // window 2
    cluster.submit(makeJob('first', 5));
    cluster.submit(makeJob('second', 5));
    cluster.schedule(T0);
    expect(fx.assigns().map((m) => m.jobId)).toEqual(['first', 'second']);
  });

  it('a started message moves assigned partitions to running, for the current attempt only', () => {
    const { cluster } = makeCluster();
    const a = join(cluster, 'a', 2, T0);
    const job = makeJob('j1', 2);
    cluster.submit(job);
    cluster.schedule(T0);
    cluster.receive(
      a,
      {
        type: 'started',
        jobId: 'j1',
        items: [
          [0, 1],
          [1, 7],
        ],
      },
      T0 + 5,
    );
    expect(job.partitions[0]!.state).toBe('running');
    expect(job.partitions[0]!.startedAt).toBe(T0 + 5);
    expect(job.partitions[1]!.state).toBe('assigned');
  });
});

describe('cluster: results', () => {
  it('accepts each partition once, counts duplicates, completes once, and finishes on merged', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 2, T0);
    const job = makeJob('j1', 3);
    cluster.submit(job);
    cluster.schedule(T0);
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1, 'zero'), ok(1, 1, 'one')] }, T0 + 10);
    expect(fx.acceptedItems).toEqual([
      { jobId: 'j1', p: 0, value: 'zero' },
      { jobId: 'j1', p: 1, value: 'one' },
    ]);
    expect(job.done).toBe(2);
    expect(fx.completed).toEqual([]);

    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1, 'zero again')] }, T0 + 11);
    expect(job.duplicates).toBe(1);
    expect(fx.acceptedItems).toHaveLength(2);
    expect(job.partitions[0]!.value).toBe('zero');

    cluster.schedule(T0 + 12);
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(2, 1, 'two')] }, T0 + 20);
    expect(fx.acceptedItems.map((x) => x.p)).toEqual([0, 1, 2]);
    expect(job.status).toBe('merging');
    expect(fx.completed).toEqual([job]);

    // A late duplicate after completion neither re-accepts nor re-completes.
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(2, 1)] }, T0 + 21);
    expect(job.duplicates).toBe(2);
    expect(fx.completed).toHaveLength(1);
    expect(fx.acceptedItems).toHaveLength(3);

    cluster.merged(job, { result: ['zero', 'one', 'two'] }, T0 + 30);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual(['zero', 'one', 'two']);
    expect(job.finishedAt).toBe(T0 + 30);
    cluster.merged(job, { result: 'other' }, T0 + 31);
    expect(fx.finishedJobs).toEqual([job]);
    expect(job.result).toEqual(['zero', 'one', 'two']);
  });

  it('a merge that throws fails the job, once', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 2, T0);
    const job = makeJob('j1', 1);
    cluster.submit(job);
    cluster.schedule(T0);
    answerAll(cluster, fx, a, T0 + 1);
    expect(job.status).toBe('merging');
    cluster.merged(job, { error: { code: ErrorCode.BAD_INPUT, name: 'CohortError', message: 'merge refused' } }, T0 + 2);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe(ErrorCode.BAD_INPUT);
    cluster.merged(job, { result: 1 }, T0 + 3);
    expect(job.status).toBe('failed');
    expect(fx.finishedJobs).toEqual([job]);
  });

  it('records who ran what: winner, share per agent and mode, session counters', () => {
    const { cluster } = makeCluster();
    const a = join(cluster, 'a', 2, T0);
    const job = makeJob('j1', 2);
    cluster.submit(job);
    cluster.schedule(T0);
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1, 0, 10, 'thread'), ok(1, 1, 1, 30, 'process')] }, T0 + 10);
    expect(job.partitions[0]!.winner).toBe('a');
    expect(job.agents.get('a')).toEqual({ partitions: 2, thread: 1, process: 1 });
    expect(a.accepted).toBe(2);
    expect(a.avgMs).toBe(20);
    expect(job.durations.count).toBe(2);
  });

  it('ignores a result for an attempt never issued', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 2, T0);
    const job = makeJob('j1', 2);
    cluster.submit(job);
    cluster.schedule(T0);
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 2), ok(99, 1)] }, T0 + 1);
    expect(fx.acceptedItems).toEqual([]);
    expect(job.partitions[0]!.state).toBe('assigned');
  });

  it('counts results for an unknown job as stale', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 2, T0);
    cluster.receive(a, { type: 'results', jobId: 'gone', items: [ok(0, 1), ok(1, 1)] }, T0);
    expect(cluster.staleResults).toBe(2);
    expect(fx.acceptedItems).toEqual([]);
  });

  it('a job with no partitions completes at once', () => {
    const { cluster, fx } = makeCluster();
    const job = makeJob('empty', 0);
    cluster.submit(job);
    expect(job.status).toBe('merging');
    expect(fx.completed).toEqual([job]);
  });
});

describe('cluster: no agents', () => {
  it('a job waits (queued, nothing fails) until an agent joins, then runs', () => {
    const { cluster, fx } = makeCluster();
    const job = makeJob('j1', 4);
    cluster.submit(job);
    let now = T0;
    for (; now <= T0 + 30_000; now += 50) {
      cluster.tick(now);
      cluster.schedule(now);
    }
    expect(job.status).toBe('queued');
    expect(fx.finishedJobs).toEqual([]);
    expect(fx.assigns()).toEqual([]);

    const a = join(cluster, 'a', 2, now);
    cluster.schedule(now);
    expect(fx.assigned('a')).toHaveLength(4);
    expect(job.status).toBe('running');
    answerAll(cluster, fx, a, now + 10);
    expect(fx.completed).toEqual([job]);
  });
});

describe('cluster: cancel', () => {
  it('cancel(jobId) marks the job cancelled and every holder gets a cancel for the job', () => {
    const { cluster, fx } = makeCluster();
    join(cluster, 'a', 2, T0);
    join(cluster, 'b', 2, T0);
    const idle = join(cluster, 'idle', 1, T0);
    const job = makeJob('j1', 6);
    cluster.submit(job);
    cluster.schedule(T0);
    // Credit 4 + 4 + 2 for 6 partitions: a and b get 3 each, idle gets none.
    expect(fx.assigned('idle')).toEqual([]);
    expect(idle.held.size).toBe(0);
    const holders = ['a', 'b'];
    const since = fx.sent.length;
    const effects = cluster.cancel('j1', T0 + 5);
    expect(effects.filter((e) => e.type !== 'observe').map((e) => e.type)).toEqual(['send', 'send', 'finished']);
    // Each attempt in flight ends cancelled, for the task stream.
    const ended = effects.flatMap((e) => (e.type === 'observe' && e.observation.kind === 'attempt' ? [e.observation.outcome] : []));
    expect(ended).toEqual(Array(6).fill('cancelled'));
    expect(effects.at(-1)).toEqual({ type: 'finished', job });
    expect(job.status).toBe('cancelled');
    expect(job.error?.code).toBe(ErrorCode.CANCELLED);
    expect(fx.finishedJobs).toEqual([job]);
    expect(fx.cancels(undefined, since)).toEqual(holders.map(() => ({ type: 'cancel', jobId: 'j1' })));
    expect(
      fx.sent
        .slice(since)
        .map((s) => s.to)
        .sort(),
    ).toEqual(holders.sort());
    for (const s of cluster.agents.values()) expect(s.held.size).toBe(0);

    // Cancelling again changes nothing; scheduling gives the job no more work.
    cluster.cancel('j1', T0 + 6);
    cluster.schedule(T0 + 7);
    expect(fx.finishedJobs).toHaveLength(1);
    expect(fx.sent.length).toBe(since + holders.length);
  });

  it('cancel of an unknown job has no effect', () => {
    const { cluster } = makeCluster();
    expect(cluster.cancel('nope', T0)).toEqual([]);
  });
});

describe('cluster: cost per partition', () => {
  it('holds 1,000,000 queued partitions and schedules/accepts 100,000 quickly', () => {
    const { cluster, fx } = makeCluster();
    const started = performance.now();
    const job = makeJob('big', 1_000_000, {}, 0, new Array(1_000_000).fill(null));
    cluster.submit(job);
    const built = performance.now();
    const a = join(cluster, 'a', 1000, T0, { maxPrefetch: 1000 });
    const b = join(cluster, 'b', 1000, T0, { maxPrefetch: 1000 });
    let now = T0;
    while (job.done < 100_000) {
      const since = fx.sent.length;
      cluster.schedule(now);
      answerAll(cluster, fx, a, now, since);
      answerAll(cluster, fx, b, now, since);
      now++;
    }
    const elapsed = performance.now() - started;
    console.log(
      `1M-partition job built in ${(built - started).toFixed(0)} ms; ${job.done} partitions scheduled and accepted in ${(performance.now() - built).toFixed(0)} ms (total ${elapsed.toFixed(0)} ms)`,
    );
    expect(job.done).toBeGreaterThanOrEqual(100_000);
    expect(job.duplicates).toBe(0);
    expect(job.waiting).toBe(1_000_000 - job.done - a.held.size - b.held.size);
    expect(elapsed).toBeLessThan(10_000);
  });
});
