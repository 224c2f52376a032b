import { describe, expect, it } from 'vitest';
import { join, makeCluster, makeJob, ok } from './helpers.js';

const T0 = 1_000;
const SPECULATION = { enabled: true, quantile: 0.75, multiplier: 1.5, minRuntimeMs: 0 };

/**
 * Two agents and a 4-partition job. `a` holds 0 and 1, `b` holds 2 and 3.
 * Partition 0 is reported started at T0 and then hangs; the other three
 * finish in 10 ms, so 75% are done and the median is about 10 ms.
 * Heartbeats are slow (10 s) so that no agent turns suspect here.
 */
function straggler(speculation: Partial<typeof SPECULATION> = {}) {
  const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000, speculation: { ...SPECULATION, ...speculation } });
  const a = join(cluster, 'a', 1, T0, { maxPrefetch: 1 });
  const b = join(cluster, 'b', 1, T0, { maxPrefetch: 1 });
  const job = makeJob('j1', 4);
  cluster.submit(job);
  cluster.schedule(T0);
  expect(fx.assigned('a')).toEqual([
    { p: 0, a: 1 },
    { p: 1, a: 1 },
  ]);
  cluster.receive(a, { type: 'started', jobId: 'j1', items: [[0, 1]] }, T0);
  cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(1, 1)] }, T0 + 10);
  cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(2, 1), ok(3, 1)] }, T0 + 10);
  expect(job.done).toBe(3);
  return { cluster, fx, a, b, job };
}

describe('cluster: speculation', () => {
  it('a partition running far past the median gets a copy on another agent', () => {
    const { cluster, fx, b, job } = straggler();
    cluster.tick(T0 + 100);
    const p = job.partitions[0]!;
    expect(job.speculative).toBe(1);
    expect(fx.eventsOf('speculative-copy')).toEqual([{ kind: 'speculative-copy', at: T0 + 100, jobId: 'j1', partition: 0, agent: 'a', runningMs: 100 }]);
    expect(p.state).toBe('pending');
    expect(p.history!.at(-1)).toMatchObject({ from: 'running', to: 'pending', event: 'lost', agent: 'a', reason: 'speculation' });
    expect(job.requeued).toBe(0); // a copy is not a loss

    const since = fx.sent.length;
    cluster.schedule(T0 + 101);
    expect(fx.assigned('a', since)).toEqual([]); // never on the agent running the original
    expect(fx.assigned('b', since)).toEqual([{ p: 0, a: 2 }]);
    expect(p.agent).toBe(b);

    // Only one copy per partition.
    cluster.tick(T0 + 5000);
    expect(job.speculative).toBe(1);
  });

  it('the copy wins: the original holder is cancelled, and its later result is a duplicate', () => {
    const { cluster, fx, a, b, job } = straggler();
    cluster.tick(T0 + 100);
    cluster.schedule(T0 + 101);
    const since = fx.sent.length;
    cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(0, 2, 'copy')] }, T0 + 120);
    expect(fx.cancels('a', since)).toEqual([{ type: 'cancel', jobId: 'j1', items: [0] }]);
    expect(fx.cancels('b', since)).toEqual([]);
    expect(job.partitions[0]!.value).toBe('copy');
    expect(fx.completed).toEqual([job]);
    expect(a.held.size).toBe(0);

    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1, 'original')] }, T0 + 130);
    expect(job.duplicates).toBe(1);
    expect(job.partitions[0]!.value).toBe('copy');
    expect(fx.acceptedItems.filter((x) => x.p === 0)).toHaveLength(1);
    expect(fx.completed).toHaveLength(1);
  });

  it('the original wins: the copy holder is cancelled, and its later result is a duplicate', () => {
    const { cluster, fx, a, b, job } = straggler();
    cluster.tick(T0 + 100);
    cluster.schedule(T0 + 101);
    const since = fx.sent.length;
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1, 'original')] }, T0 + 120);
    expect(fx.cancels('b', since)).toEqual([{ type: 'cancel', jobId: 'j1', items: [0] }]);
    expect(fx.cancels('a', since)).toEqual([]);
    expect(job.partitions[0]!.value).toBe('original');
    expect(job.partitions[0]!.winner).toBe('a');
    expect(b.held.size).toBe(0);
    expect(fx.completed).toEqual([job]);

    cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(0, 2, 'copy')] }, T0 + 130);
    expect(job.duplicates).toBe(1);
    expect(job.partitions[0]!.value).toBe('original');
  });

  it('no copy before the quantile of the job is done', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000, speculation: SPECULATION });
    const a = join(cluster, 'a', 1, T0, { maxPrefetch: 1 });
    const b = join(cluster, 'b', 1, T0, { maxPrefetch: 1 });
    const job = makeJob('j1', 4);
    cluster.submit(job);
    cluster.schedule(T0);
    cluster.receive(a, { type: 'started', jobId: 'j1', items: [[0, 1]] }, T0);
    cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(2, 1), ok(3, 1)] }, T0 + 10); // 50% done
    cluster.tick(T0 + 5000);
    expect(job.speculative).toBe(0);
    expect(fx.eventsOf('speculative-copy')).toEqual([]);
  });

  it('no copy before multiplier × median, nor before minRuntimeMs', () => {
    const early = straggler();
    early.cluster.tick(T0 + 14); // 14 ms < 1.5 × ~10 ms
    expect(early.job.speculative).toBe(0);

    const young = straggler({ minRuntimeMs: 1000 });
    young.cluster.tick(T0 + 999);
    expect(young.job.speculative).toBe(0);
    young.cluster.tick(T0 + 1001);
    expect(young.job.speculative).toBe(1);
  });

  it('no copy when disabled', () => {
    const { cluster, job } = straggler({ enabled: false });
    cluster.tick(T0 + 10_000);
    expect(job.speculative).toBe(0);
  });

  it('no copy when no other agent accepts work', () => {
    const { cluster, b, job } = straggler();
    cluster.receive(b, { type: 'draining' }, T0 + 20);
    cluster.tick(T0 + 100);
    expect(job.speculative).toBe(0);
    expect(job.partitions[0]!.state).toBe('running');
  });

  it('only partitions reported started are copied', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000, speculation: SPECULATION });
    const a = join(cluster, 'a', 1, T0, { maxPrefetch: 1 });
    const b = join(cluster, 'b', 1, T0, { maxPrefetch: 1 });
    const job = makeJob('j1', 4);
    cluster.submit(job);
    cluster.schedule(T0);
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(1, 1)] }, T0 + 10);
    cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(2, 1), ok(3, 1)] }, T0 + 10);
    cluster.tick(T0 + 5000);
    expect(job.partitions[0]!.state).toBe('assigned');
    expect(job.speculative).toBe(0);
    expect(fx.eventsOf('speculative-copy')).toEqual([]);
  });

  it('when the original holder dies after a copy was issued, nothing is requeued twice', () => {
    const { cluster, fx, a, b, job } = straggler();
    cluster.tick(T0 + 100);
    cluster.schedule(T0 + 101);
    cluster.disconnected(a, T0 + 110);
    expect(fx.eventsOf('agent-lost')[0]).toMatchObject({ agentId: 'a', requeued: 0 });
    expect(job.partitions[0]!.agent).toBe(b);
    expect(job.partitions[0]!.spare).toBeNull();
    cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(0, 2)] }, T0 + 120);
    expect(fx.completed).toEqual([job]);
    expect(fx.cancels()).toEqual([]);
  });

  it('when the copy holder dies, the partition goes back and the original agent may take it', () => {
    const { cluster, fx, a, b, job } = straggler();
    cluster.tick(T0 + 100);
    cluster.schedule(T0 + 101);
    cluster.disconnected(b, T0 + 110);
    const p = job.partitions[0]!;
    expect(p.state).toBe('pending');
    expect(job.requeued).toBe(1);
    // a is the only live agent now; its original is still running and its result is accepted.
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1, 'original')] }, T0 + 120);
    expect(p.state).toBe('succeeded');
    expect(fx.completed).toEqual([job]);
  });
});
