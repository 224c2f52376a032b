import { describe, expect, it } from 'vitest';
import type { AgentSession } from '../agent-session.js';
import type { ClusterConfig } from '../cluster.js';
import { type Driver, type Recorder, join, makeCluster, makeJob, ok } from './helpers.js';

const T0 = 1_000;

/** How many partitions of each job `s` holds now. */
function heldBy(s: AgentSession): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of s.held) out[p.job.id] = (out[p.job.id] ?? 0) + 1;
  return out;
}

/** Answer `n` of what `s` holds (the oldest first, in the order it was assigned), with results of `ms`. */
function answer(cluster: Driver, s: AgentSession, n: number, now: number, ms = 300): void {
  for (const p of [...s.held].slice(0, n)) cluster.receive(s, { type: 'results', jobId: p.job.id, items: [ok(p.index, p.attempt, 0, ms)] }, now);
}

/** Per schedule call, per session: how many assign messages each job got (batching: never more than one). */
function batchesPerJob(fx: Recorder, since: number): number[] {
  const count = new Map<string, number>();
  for (const s of fx.sent.slice(since)) {
    if (s.msg.type !== 'assign') continue;
    const key = `${s.to}/${s.msg.jobId}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return [...count.values()];
}

function setup(config: Partial<ClusterConfig> = {}) {
  const { cluster, fx } = makeCluster(config);
  return { cluster, fx };
}

describe('scheduler: fair share between jobs', () => {
  it('splits an agent window between waiting jobs by priority, one batch per job', () => {
    const { cluster, fx } = setup();
    const s = join(cluster, 'a', 30, T0); // window 60 before any run time is known
    cluster.submit(makeJob('p1', 100));
    cluster.submit(makeJob('p2', 100, { priority: 2 }));
    cluster.submit(makeJob('p3', 100, { priority: 3 }));
    cluster.schedule(T0);
    expect(heldBy(s)).toEqual({ p1: 10, p2: 20, p3: 30 });
    expect(fx.assigns('a')).toHaveLength(3);
    expect(fx.assigns('a').map((m) => m.priority)).toEqual([undefined, 2, 3]);
  });

  it('a job submitted behind a big one takes the credit the big one frees, until it holds its share', () => {
    const { cluster, fx } = setup();
    const s = join(cluster, 'a', 2, T0, { maxPrefetch: 1000 }); // window 4
    cluster.submit(makeJob('big', 40));
    cluster.schedule(T0);
    expect(heldBy(s)).toEqual({ big: 4 });
    cluster.submit(makeJob('small', 2));
    cluster.schedule(T0 + 1); // no credit: nothing moves
    answer(cluster, s, 1, T0 + 300);
    cluster.schedule(T0 + 300);
    answer(cluster, s, 1, T0 + 301);
    cluster.schedule(T0 + 301);
    // Both freed slots went to the small job: it runs beside the big one, not after it.
    expect(heldBy(s)).toEqual({ big: 2, small: 2 });
    expect(fx.assigned('a').slice(4)).toEqual([
      { p: 0, a: 1 },
      { p: 1, a: 1 },
    ]);
  });

  it('FIFO mode keeps first come, first served: the small job waits for every partition of the big one', () => {
    const { cluster } = setup({ scheduling: 'fifo' });
    const s = join(cluster, 'a', 2, T0, { maxPrefetch: 1000 });
    const big = makeJob('big', 40);
    cluster.submit(big);
    cluster.schedule(T0);
    cluster.submit(makeJob('small', 2));
    let now = T0;
    while (big.waiting > 0) {
      answer(cluster, s, 2, (now += 300));
      cluster.schedule(now);
      expect(heldBy(s).small).toBeUndefined();
    }
    answer(cluster, s, 2, (now += 300));
    cluster.schedule(now);
    expect(heldBy(s).small).toBe(2);
  });

  it('with a window that turns over at each result, jobs still alternate by weight and none is starved', () => {
    const { cluster } = setup();
    const s = join(cluster, 'a', 1, T0, { maxPrefetch: 0 }); // window 1 once a run time is known
    const jobs = [makeJob('w1', 1000), makeJob('w2', 1000, { priority: 2 }), makeJob('w1b', 1000)];
    for (const job of jobs) cluster.submit(job);
    let now = T0;
    cluster.schedule(now);
    const firstSeen = new Map<string, number>();
    for (let round = 0; round < 400; round++) {
      answer(cluster, s, 1, ++now);
      cluster.schedule(now);
      for (const id of Object.keys(heldBy(s))) if (!firstSeen.has(id)) firstSeen.set(id, round);
    }
    const done = jobs.map((j) => j.done);
    // 400 partitions shared 1:2:1.
    expect(done[0]).toBeGreaterThanOrEqual(95);
    expect(done[0]).toBeLessThanOrEqual(105);
    expect(done[1]).toBeGreaterThanOrEqual(195);
    expect(done[1]).toBeLessThanOrEqual(205);
    expect(done[2]).toBeGreaterThanOrEqual(95);
    expect(done[2]).toBeLessThanOrEqual(105);
    // Every job ran within the first few rounds.
    expect([...firstSeen.values()].every((r) => r < 4)).toBe(true);
  });

  it('batches stay whole: one assign per agent per job per call, across many calls and agents', () => {
    const { cluster, fx } = setup();
    const agents = [join(cluster, 'a', 4, T0, { maxPrefetch: 64 }), join(cluster, 'b', 8, T0, { maxPrefetch: 64 })];
    const jobs = [makeJob('j1', 5000), makeJob('j2', 5000, { priority: 3 }), makeJob('j3', 300)];
    for (const job of jobs) cluster.submit(job);
    let now = T0;
    for (let round = 0; round < 60; round++) {
      const since = fx.sent.length;
      cluster.schedule(now);
      expect(batchesPerJob(fx, since).every((n) => n === 1)).toBe(true);
      for (const s of agents) {
        expect(s.held.size).toBeLessThanOrEqual(s.window);
        answer(cluster, s, 1 + (round % 7), ++now, 5);
      }
    }
    // The whole window of a lone job goes in one message.
    const { cluster: c2, fx: fx2 } = setup();
    const s = join(c2, 'a', 16, T0);
    c2.submit(makeJob('only', 1000));
    c2.schedule(T0);
    expect(fx2.assigns('a')).toHaveLength(1);
    expect(fx2.assigns('a')[0]?.items).toHaveLength(s.window);
  });

  it('keeps the split of waiting work across agents in proportion to their credit', () => {
    const { cluster, fx } = setup();
    join(cluster, 'small', 2, T0); // window 4
    join(cluster, 'big', 4, T0); // window 8
    cluster.submit(makeJob('j1', 3));
    cluster.submit(makeJob('j2', 3));
    cluster.schedule(T0);
    expect(fx.assigned('big')).toHaveLength(4); // ceil(6 · 8/12)
    expect(fx.assigned('small')).toHaveLength(2); // the 2 left
    const ids = (to: string) => fx.assigns(to).map((m) => m.jobId);
    expect(new Set([...ids('big'), ...ids('small')])).toEqual(new Set(['j1', 'j2']));
  });
});
