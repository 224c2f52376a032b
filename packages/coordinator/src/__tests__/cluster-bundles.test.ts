/**
 * Serving task bundles, on the cluster core with events alone: a part is
 * served only to a session that holds a partition of a live job whose task is
 * that bundle; anything else is refused with BUNDLE_NOT_FOUND, and a flood of
 * requests that does not wait for its answers expels the session.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, RATES, type BundleGetMessage, type BundleRefusedMessage } from '@cohort/shared';
import type { AgentSession } from '../agent-session.js';
import { failed, join, makeCluster, makeJob, type Driver, type Recorder } from './helpers.js';

const T0 = 1_000;
const H = 'a'.repeat(64);
const G = 'b'.repeat(64);

const get = (jobId: string, hash: string, offset = 0): BundleGetMessage => ({ type: 'bundle-get', jobId, hash, offset });

/** Job `j1` runs bundle H on agent `a` (both partitions); job `j2` runs a built-in on `a` too; `b` holds nothing. */
function setup(): { cluster: Driver; fx: Recorder; a: AgentSession; b: AgentSession } {
  const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
  const a = join(cluster, 'a', 4, T0, { maxPrefetch: 0 });
  cluster.submit(makeJob('j1', 2, { task: `sha256:${H}` }));
  cluster.submit(makeJob('j2', 2, { task: 'noop' }));
  cluster.schedule(T0);
  const b = join(cluster, 'b', 1, T0 + 1, { maxPrefetch: 0 });
  cluster.schedule(T0 + 2);
  expect(fx.assigned('a')).toHaveLength(4);
  expect(fx.assigned('b')).toHaveLength(0);
  return { cluster, fx, a, b };
}

function refusals(fx: Recorder, to: string): BundleRefusedMessage[] {
  return fx.sent.filter((s) => s.to === to && s.msg.type === 'bundle-refused').map((s) => s.msg as BundleRefusedMessage);
}

describe('bundle-get', () => {
  it('is served to a session that holds a partition of the live job whose task is that bundle', () => {
    const { cluster, fx, a } = setup();
    cluster.receive(a, get('j1', H, 0), T0 + 3);
    cluster.receive(a, get('j1', H, 1024 * 1024), T0 + 4);
    expect(fx.served).toEqual([
      { to: 'a', hash: H, offset: 0 },
      { to: 'a', hash: H, offset: 1024 * 1024 },
    ]);
    expect(refusals(fx, 'a')).toEqual([]);
  });

  it('is refused (BUNDLE_NOT_FOUND) to a session that holds no partition of the job', () => {
    const { cluster, fx, b } = setup();
    cluster.receive(b, get('j1', H), T0 + 3);
    expect(fx.served).toEqual([]);
    expect(refusals(fx, 'b').map((m) => [m.hash, m.error.code])).toEqual([[H, ErrorCode.BUNDLE_NOT_FOUND]]);
    expect(b.state).not.toBe('dead');
  });

  it('is refused for a bundle no live job of this session runs, whichever job the request names', () => {
    const { cluster, fx, a, b } = setup();
    cluster.receive(a, get('j1', G), T0 + 3); // a holds j1, but j1 runs H, not G
    cluster.receive(b, get('j1', H), T0 + 4); // b holds nothing
    cluster.receive(b, get('nope', H), T0 + 5);
    expect(fx.served).toEqual([]);
    expect(refusals(fx, 'a').map((m) => [m.hash, m.error.code])).toEqual([[G, ErrorCode.BUNDLE_NOT_FOUND]]);
    expect(refusals(fx, 'b').map((m) => [m.hash, m.error.code])).toEqual([
      [H, ErrorCode.BUNDLE_NOT_FOUND],
      [H, ErrorCode.BUNDLE_NOT_FOUND],
    ]);
    for (const m of [...refusals(fx, 'a'), ...refusals(fx, 'b')]) expect(m.error.stack).toBeUndefined();
  });

  it('is served for the bundle of another live job the session holds, when the job the fetch began for is gone', () => {
    const { cluster, fx, a } = setup();
    cluster.receive(a, get('j2', H), T0 + 3); // j2 runs a built-in, but a also holds j1, which runs H
    cluster.receive(a, get('ended-meanwhile', H), T0 + 4);
    expect(fx.served).toEqual([
      { to: 'a', hash: H, offset: 0 },
      { to: 'a', hash: H, offset: 0 },
    ]);
  });

  it('is refused for a finished job, even to the session that held its partitions', () => {
    const { cluster, fx, a } = setup();
    cluster.cancel('j1', T0 + 3);
    cluster.receive(a, get('j1', H), T0 + 4);
    expect(fx.served).toEqual([]);
    expect(refusals(fx, 'a').map((m) => m.error.code)).toEqual([ErrorCode.BUNDLE_NOT_FOUND]);
  });

  it(`expels a session that asks for more than RATES.bundleReadsInFlight (${RATES.bundleReadsInFlight}) parts not yet sent; one that waits may ask forever`, () => {
    const { cluster, fx, a } = setup();
    // An honest agent asks again once parts are sent: many more than the bound, over time.
    for (let i = 0; i < 3 * RATES.bundleReadsInFlight; i++) {
      cluster.receive(a, get('j1', H, 0), T0 + 3);
      cluster.bundleServed(a);
    }
    expect(fx.served).toHaveLength(3 * RATES.bundleReadsInFlight);
    expect(fx.closed).toEqual([]);
    // A flood that does not wait: expelled at the bound, with nothing more served.
    for (let i = 0; i < RATES.bundleReadsInFlight; i++) cluster.receive(a, get('j1', H, 0), T0 + 4);
    expect(fx.closed).toEqual([]);
    cluster.receive(a, get('j1', H, 0), T0 + 5);
    expect(fx.served).toHaveLength(4 * RATES.bundleReadsInFlight);
    expect(fx.closed).toEqual([expect.objectContaining({ to: 'a', code: ErrorCode.RATE_LIMITED })]);
    expect(a.state).toBe('dead');
  });

  it('fails a partition no agent could load with a hint that the task never ran, not that it throws', () => {
    const { cluster, a } = setup();
    const job = cluster.jobs.get('j1')!;
    for (let attempt = 1; attempt <= job.spec.maxAttempts; attempt++) {
      for (let i = 0; i < 10 && job.partitions[0]!.attempt < attempt; i++) cluster.schedule(T0 + 10 * attempt + i);
      const holder = job.partitions[0]!.agent ?? a;
      cluster.receive(holder, { type: 'results', jobId: 'j1', items: [failed(0, attempt, ErrorCode.BUNDLE_FETCH_FAILED, 'thread')] }, T0 + 10 * attempt + 9);
    }
    expect(job.error?.code).toBe(ErrorCode.PARTITION_FAILED);
    expect(String(job.error?.details?.next)).toMatch(/could not load the task/);
    expect(job.error?.message).not.toMatch(/throws on this input/);
  });
});
