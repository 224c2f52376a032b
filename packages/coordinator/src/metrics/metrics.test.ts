/**
 * The metrics over a real Cluster (no sockets): its effects are fed to the
 * metrics as the executor feeds them, right after each input, and the
 * scrape is read back with a real Prometheus text-format parser.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@cohort/shared';
import { PromText } from '../../../../test/helpers/prom-text.js';
import { failed, join, makeCluster, makeJob, ok } from '../__tests__/helpers.js';
import type { Effect } from '../effects.js';
import { createCoordinatorMetrics, type CoordinatorMetrics } from './index.js';

const T0 = 1_000;

/** What the executor does with the effects that concern the metrics. */
function feed(metrics: CoordinatorMetrics, effects: readonly Effect[]): void {
  for (const e of effects) {
    if (e.type === 'observe') metrics.observer.observe(e.observation);
    if (e.type === 'notify') metrics.observer.observe({ kind: 'cluster', event: e.event });
    if (e.type === 'send' && e.message.type === 'assign') metrics.issued(e.message);
  }
}

function scenario() {
  const { cluster, fx } = makeCluster({
    heartbeatMs: 10_000,
    heartbeatTimeoutMs: 30_000,
    speculation: { enabled: true, quantile: 0.75, multiplier: 1.5, minRuntimeMs: 0 },
  });
  const metrics = createCoordinatorMetrics(cluster.core, { host: '127.0.0.1', metricsPublic: false }, silentLogger);
  const run = (effects: Effect[]) => feed(metrics, effects);
  const a = join(cluster, 'a', 1, T0, { maxPrefetch: 1 });
  const b = join(cluster, 'b', 1, T0, { maxPrefetch: 1, mode: 'processes' });
  const job = makeJob('j1', 4);
  run(cluster.submit(job));
  run(cluster.schedule(T0)); // a: 0, 1; b: 2, 3
  run(cluster.receive(a, { type: 'started', jobId: 'j1', items: [[0, 1]] }, T0));
  run(cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(1, 1, 10, 10)] }, T0 + 10));
  run(cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(2, 1, 20, 10, 'process'), ok(3, 1, 30, 10, 'process')] }, T0 + 10));
  run(cluster.tick(T0 + 100)); // partition 0 straggles: a copy is queued
  run(cluster.schedule(T0 + 101));
  expect(fx.assigned('b').at(-1)).toEqual({ p: 0, a: 2 });
  run(cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(0, 2, 0, 30, 'process')] }, T0 + 130)); // the copy wins
  return { cluster, metrics, job, run, a, b };
}

describe('coordinator metrics', () => {
  it('count attempts issued by reason, attempts ended by outcome, and the copy that won', async () => {
    const { cluster, metrics, job, run, a, b } = scenario();
    expect(job.done).toBe(4);
    const retried = makeJob('j3', 1);
    run(cluster.submit(retried));
    run(cluster.schedule(T0 + 200));
    const holder = retried.partitions[0]!.agent!;
    run(cluster.receive(holder, { type: 'results', jobId: 'j3', items: [failed(0, 1, 'TASK_ERROR', 'process')] }, T0 + 210));
    run(cluster.schedule(T0 + 211)); // again, on the agent it has not failed on
    run(cluster.receive(holder === a ? b : a, { type: 'results', jobId: 'j3', items: [ok(0, 2, 0, 10, holder === a ? 'process' : 'thread')] }, T0 + 220));
    expect(retried.done).toBe(1);

    const m = new PromText(await metrics.scrape());
    expect(m.value('cohort_partition_attempts_total', { reason: 'first' })).toBe(5);
    expect(m.value('cohort_partition_attempts_total', { reason: 'speculative' })).toBe(1);
    expect(m.value('cohort_partition_attempts_total', { reason: 'retry' })).toBe(1);
    expect(m.value('cohort_partition_attempts_total', { reason: 'requeue' })).toBe(0);
    expect(m.total('cohort_partition_attempts_total')).toBe(job.attempts + retried.attempts);
    expect(m.value('cohort_partitions_completed_total', { outcome: 'ok' }) + m.value('cohort_partitions_completed_total', { outcome: 'speculative-won' })).toBe(
      job.done + retried.done,
    );
    expect(m.value('cohort_partitions_completed_total', { outcome: 'speculative-lost' })).toBe(1);
    expect(m.value('cohort_partitions_completed_total', { outcome: 'failed' })).toBe(1);
    expect(m.value('cohort_speculative_wins_total')).toBe(1);
    expect(m.count('cohort_partition_duration_seconds', { mode: 'thread' }) + m.count('cohort_partition_duration_seconds', { mode: 'process' })).toBe(5);
    expect(m.count('cohort_partition_duration_seconds', { mode: 'thread' })).toBeGreaterThanOrEqual(1);
    expect(m.family('cohort_partition_duration_seconds').type).toBe('HISTOGRAM');
  });

  it('read the agents, their slots and the live jobs partitions at scrape time, every label value present', async () => {
    const { cluster, metrics, run, a } = scenario();
    const job = makeJob('j2', 5);
    run(cluster.submit(job));
    run(cluster.schedule(T0 + 200));
    run(cluster.receive(a, { type: 'started', jobId: 'j2', items: [[0, 1]] }, T0 + 200));
    const m = new PromText(await metrics.scrape());
    expect(m.value('cohort_agents', { state: 'ready' })).toBe(2);
    expect(m.value('cohort_agents', { state: 'dead' })).toBe(0);
    expect(m.family('cohort_agents').metrics).toHaveLength(6);
    expect(m.value('cohort_slots', { mode: 'thread' })).toBe(1);
    expect(m.value('cohort_slots', { mode: 'process' })).toBe(1);
    expect(m.value('cohort_partitions', { state: 'running' })).toBe(1);
    expect(m.value('cohort_partitions', { state: 'assigned' })).toBe(3);
    expect(m.value('cohort_partitions', { state: 'waiting' })).toBe(1);
    expect(m.value('cohort_partitions', { state: 'done' })).toBe(4); // j1's 4, merging (this driver runs no merge)

    const held = a.held.size;
    expect(held).toBeGreaterThan(0);
    run(cluster.disconnected(a, T0 + 300));
    const after = new PromText(await metrics.scrape());
    expect(after.value('cohort_agent_deaths_total', { reason: 'closed' })).toBe(1);
    expect(after.value('cohort_agents', { state: 'ready' })).toBe(1);
    join(cluster, 'c', 8, T0 + 300);
    run(cluster.schedule(T0 + 301)); // what a held goes to c
    expect(new PromText(await metrics.scrape()).value('cohort_partition_attempts_total', { reason: 'requeue' })).toBe(held);
  });

  it('never label by job, partition or agent, and add build info and the default Node metrics', async () => {
    const { metrics } = scenario();
    const m = new PromText(await metrics.scrape());
    expect([...m.labelNames('cohort_')].sort()).toEqual(['direction', 'le', 'mode', 'node', 'outcome', 'reason', 'state', 'version']);
    expect(m.sample('cohort_build_info').labels).toEqual({ version: expect.any(String), node: process.version });
    expect(m.value('cohort_build_info')).toBe(1);
    expect(m.families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(m.families.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });
});
