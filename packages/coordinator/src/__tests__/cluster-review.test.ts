/**
 * Hostile review of result acceptance (issue 8, item 3): what one results
 * frame can do to the jobs and sessions around it, with events alone.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, RATES } from '@cohort/shared';
import { failed, join, makeCluster, makeJob, ok } from './helpers.js';

const T0 = 1_000;

describe('one results frame', () => {
  it('that answers the last partitions and then forges past the bound still completes the job it finished', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
    const a = join(cluster, 'a', 1, T0, { maxPrefetch: 1 });
    const job = makeJob('j1', 2);
    cluster.submit(job);
    cluster.schedule(T0);
    expect(a.held.size).toBe(2);
    const forged = Array.from({ length: RATES.unissuedResultsPerSession + 1 }, () => ok(0, 999));
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1), ok(1, 1), ...forged] }, T0 + 1);
    // The forger is expelled, but the two results it was issued were accepted: the job must not hang.
    expect(fx.closed).toEqual([expect.objectContaining({ to: 'a', code: ErrorCode.RESULT_NOT_ISSUED })]);
    expect(job.done).toBe(2);
    expect(job.status).toBe('merging');
    expect(fx.completed).toEqual([job]);
  });

  it('in which the job fails part-way does not count the rest as unissued, nor expel the honest agent that sent it', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
    // As the executor does: a finished job is retired (its partitions let go) as soon as its end is carried out.
    cluster.retireOnFinish = true;
    const a = join(cluster, 'a', 32, T0, { maxPrefetch: 1000 });
    const job = makeJob('j1', 2000, { maxAttempts: 1 });
    cluster.submit(job);
    cluster.schedule(T0);
    // A first batch opens the credit window beyond slow start.
    const first = fx.assigned('a');
    cluster.receive(a, { type: 'results', jobId: 'j1', items: first.map(({ p, a: att }) => ok(p, att, p, 1)) }, T0 + 1);
    const since = fx.sent.length;
    cluster.schedule(T0 + 2);
    const second = fx.assigned('a', since);
    expect(second.length).toBeGreaterThan(RATES.unissuedResultsPerSession + 1);
    // One partition throws (maxAttempts 1 fails the job); the agent's batch carries the others too.
    const [bad, ...rest] = second;
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [failed(bad!.p, bad!.a), ...rest.map(({ p, a: att }) => ok(p, att))] }, T0 + 3);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe(ErrorCode.PARTITION_FAILED);
    expect(fx.closed).toEqual([]);
    expect(a.state).toBe('ready');
    expect(job.unissued).toBe(0);
    expect(cluster.unissuedResults).toBe(0);
  });
});
