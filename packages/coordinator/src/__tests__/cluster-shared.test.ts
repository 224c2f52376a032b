/**
 * Serving jobs' shared values and releasing them, on the cluster core with
 * events alone: a part is served only to a session that holds a partition of
 * a live job sharing that value, at an offset that starts a part; anything
 * else is refused, a flood expels the session, and when the job ends every
 * live session that was sent an assign of it is told to release it, once.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, RATES, SHARED_CHUNK_BYTES, type ReleaseMessage, type SharedGetMessage, type SharedRef, type SharedRefusedMessage } from '@cohort/shared';
import type { AgentSession } from '../agent-session.js';
import { answerAll, join, makeCluster, makeJob, type Driver, type Recorder } from './helpers.js';

const T0 = 1_000;
const H = 'a'.repeat(64);
const G = 'b'.repeat(64);
const REF: SharedRef = { hash: H, bytes: 2 * SHARED_CHUNK_BYTES + 5, kind: 'bytes' };
const OTHER: SharedRef = { hash: G, bytes: 8, kind: 'float64' };

const get = (jobId: string, hash: string, offset = 0): SharedGetMessage => ({ type: 'shared-get', jobId, hash, offset });

/** `j1` shares H on agent `a` (both partitions); `j2` shares G on `a` too; `j3` shares nothing; `b` holds nothing. */
function setup(): { cluster: Driver; fx: Recorder; a: AgentSession; b: AgentSession } {
  const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
  const a = join(cluster, 'a', 6, T0, { maxPrefetch: 0 });
  cluster.submit(makeJob('j1', 2, { shared: REF }));
  cluster.submit(makeJob('j2', 2, { shared: OTHER }));
  cluster.submit(makeJob('j3', 2));
  cluster.schedule(T0);
  const b = join(cluster, 'b', 1, T0 + 1, { maxPrefetch: 0 });
  cluster.schedule(T0 + 2);
  expect(fx.assigned('a')).toHaveLength(6);
  expect(fx.assigned('b')).toHaveLength(0);
  return { cluster, fx, a, b };
}

function refusals(fx: Recorder, to: string): Array<[string, string]> {
  return fx.sent
    .filter((s) => s.to === to && s.msg.type === 'shared-refused')
    .map((s) => [(s.msg as SharedRefusedMessage).hash, (s.msg as SharedRefusedMessage).error.code]);
}

function releases(fx: Recorder, to?: string): string[] {
  return fx.sent.filter((s) => s.msg.type === 'release' && (to === undefined || s.to === to)).map((s) => `${s.to}:${(s.msg as ReleaseMessage).jobId}`);
}

describe('assign of a job with a shared value', () => {
  it('carries the shared ref in its header, and a job without one carries none', () => {
    const { fx } = setup();
    const byJob = new Map(fx.assigns('a').map((m) => [m.jobId, m.shared]));
    expect(byJob.get('j1')).toEqual(REF);
    expect(byJob.get('j2')).toEqual(OTHER);
    expect(byJob.get('j3')).toBeUndefined();
  });
});

describe('shared-get', () => {
  it('is served to a session that holds a partition of the live job sharing that value, part by part', () => {
    const { cluster, fx, a } = setup();
    cluster.receive(a, get('j1', H, 0), T0 + 3);
    cluster.receive(a, get('j1', H, SHARED_CHUNK_BYTES), T0 + 4);
    cluster.receive(a, get('j1', H, 2 * SHARED_CHUNK_BYTES), T0 + 5);
    expect(fx.servedShared).toEqual([0, 1, 2].map((i) => ({ to: 'a', hash: H, offset: i * SHARED_CHUNK_BYTES })));
    expect(refusals(fx, 'a')).toEqual([]);
    expect(a.sharedReads).toBe(3);
    cluster.sharedServed(a);
    expect(a.sharedReads).toBe(2);
  });

  it('is refused (SHARED_NOT_FOUND) to a session with no partition of the job, and the session lives on', () => {
    const { cluster, fx, b } = setup();
    cluster.receive(b, get('j1', H), T0 + 3);
    cluster.receive(b, get('nope', H), T0 + 4);
    expect(fx.servedShared).toEqual([]);
    expect(refusals(fx, 'b')).toEqual([
      [H, ErrorCode.SHARED_NOT_FOUND],
      [H, ErrorCode.SHARED_NOT_FOUND],
    ]);
    expect(fx.closed).toEqual([]);
    expect(b.state).toBe('ready');
  });

  it("is refused for another job's value: the named job shares something else and no job of the session shares it", () => {
    const { cluster, fx, a } = setup();
    const Z = 'c'.repeat(64);
    cluster.receive(a, get('j1', Z), T0 + 3); // a holds j1, but j1 shares H
    cluster.receive(a, get('j3', Z), T0 + 4); // j3 shares nothing
    expect(fx.servedShared).toEqual([]);
    expect(refusals(fx, 'a')).toEqual([
      [Z, ErrorCode.SHARED_NOT_FOUND],
      [Z, ErrorCode.SHARED_NOT_FOUND],
    ]);
    const refused = fx.sent.find((s) => s.msg.type === 'shared-refused')!.msg as SharedRefusedMessage;
    expect(refused.error.stack).toBeUndefined();
  });

  it('is served for the value of another live job of the session when the named one is gone or shares another', () => {
    const { cluster, fx, a } = setup();
    cluster.receive(a, get('j3', G), T0 + 3);
    cluster.receive(a, get('ended-meanwhile', H), T0 + 4);
    expect(fx.servedShared).toEqual([
      { to: 'a', hash: G, offset: 0 },
      { to: 'a', hash: H, offset: 0 },
    ]);
  });

  it('refuses (BAD_FRAME) an offset that does not start a part, or is past the end, without a crash', () => {
    const { cluster, fx, a } = setup();
    for (const offset of [1, SHARED_CHUNK_BYTES - 1, 3 * SHARED_CHUNK_BYTES, 1000 * SHARED_CHUNK_BYTES]) cluster.receive(a, get('j1', H, offset), T0 + 3);
    cluster.receive(a, get('j2', G, SHARED_CHUNK_BYTES), T0 + 4); // G is 8 bytes: one part at 0
    expect(fx.servedShared).toEqual([]);
    expect(refusals(fx, 'a').map(([, code]) => code)).toEqual(Array(5).fill(ErrorCode.BAD_FRAME));
    expect(a.state).toBe('ready');
    expect(a.sharedReads).toBe(0);
  });

  it('is refused for a finished job, even to the session that held its partitions', () => {
    const { cluster, fx, a } = setup();
    cluster.cancel('j1', T0 + 3);
    cluster.receive(a, get('j1', H), T0 + 4);
    expect(fx.servedShared).toEqual([]);
    expect(refusals(fx, 'a')).toEqual([[H, ErrorCode.SHARED_NOT_FOUND]]);
  });

  it('expels a session that asks for more than RATES.bundleReadsInFlight parts without waiting for them', () => {
    const { cluster, fx, a } = setup();
    for (let i = 0; i < RATES.bundleReadsInFlight; i++) cluster.receive(a, get('j1', H), T0 + 3);
    expect(fx.servedShared).toHaveLength(RATES.bundleReadsInFlight);
    expect(fx.closed).toEqual([]);
    cluster.receive(a, get('j1', H), T0 + 4);
    expect(fx.servedShared).toHaveLength(RATES.bundleReadsInFlight);
    expect(fx.closed.map((c) => [c.to, c.code])).toEqual([['a', ErrorCode.RATE_LIMITED]]);
    expect(a.state).not.toBe('ready');
  });

  it('counts apart from bundle reads: a session at its bundle bound may still fetch a shared value', () => {
    const { cluster, fx, a } = setup();
    a.bundleReads = RATES.bundleReadsInFlight;
    cluster.receive(a, get('j1', H), T0 + 3);
    expect(fx.servedShared).toHaveLength(1);
    expect(fx.closed).toEqual([]);
  });
});

describe('release', () => {
  it('is sent once to each live session that was sent an assign of the job, when it succeeds', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
    cluster.retireOnFinish = true;
    const a = join(cluster, 'a', 1, T0, { maxPrefetch: 0 });
    const b = join(cluster, 'b', 1, T0, { maxPrefetch: 0 });
    const c = join(cluster, 'c', 1, T0, { maxPrefetch: 0 });
    const job = makeJob('j1', 8, { shared: REF });
    cluster.submit(job);
    cluster.schedule(T0);
    expect(['a', 'b', 'c'].map((n) => fx.assigned(n).length)).toEqual([2, 2, 2]);
    // a answers and is sent the rest in a second assign of the same job.
    const since = fx.sent.length;
    answerAll(cluster, fx, a, T0 + 1);
    cluster.schedule(T0 + 2);
    expect(fx.assigns('a', since)).toHaveLength(1);
    answerAll(cluster, fx, b, T0 + 3);
    answerAll(cluster, fx, c, T0 + 3);
    for (let i = 0, at = since; i < 8 && job.done < 8; i++) {
      const next = fx.sent.length;
      answerAll(cluster, fx, a, T0 + 4 + i, at);
      cluster.schedule(T0 + 4 + i);
      at = next;
    }
    expect(job.done).toBe(8);
    expect(releases(fx)).toEqual([]);
    cluster.merged(job, { result: 1 }, T0 + 4);
    expect(releases(fx).sort()).toEqual(['a:j1', 'b:j1', 'c:j1']);
    // Retired once: nothing more.
    cluster.retire(job);
    expect(releases(fx)).toHaveLength(3);
  });

  it('is sent when the job is cancelled or fails, to live sessions only, and never for a job without a shared value', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
    cluster.retireOnFinish = true;
    const a = join(cluster, 'a', 2, T0, { maxPrefetch: 0 });
    const b = join(cluster, 'b', 2, T0, { maxPrefetch: 0 });
    join(cluster, 'idle', 1, T0 + 10, { maxPrefetch: 0 });
    cluster.submit(makeJob('j1', 2, { shared: REF }));
    cluster.submit(makeJob('plain', 2));
    cluster.schedule(T0);
    expect(fx.assigns('a').map((m) => m.jobId)).toContain('j1');
    expect(fx.assigns('b').map((m) => m.jobId)).toContain('plain');
    cluster.disconnected(b, T0 + 1);
    cluster.cancel('plain', T0 + 2);
    cluster.cancel('j1', T0 + 2);
    expect(releases(fx)).toEqual(['a:j1']);
    expect(a.state).toBe('ready');
  });

  it('reaches the heir of a session that was sent the assign (the agent re-joined)', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
    cluster.retireOnFinish = true;
    join(cluster, 'a', 1, T0, { maxPrefetch: 0, id: 's1' });
    cluster.submit(makeJob('j1', 1, { shared: REF }));
    cluster.schedule(T0);
    expect(fx.assigned('s1')).toHaveLength(1);
    join(cluster, 'a', 1, T0 + 1, { maxPrefetch: 0, id: 's2', previousSessionId: 's1' });
    cluster.cancel('j1', T0 + 2);
    expect(releases(fx)).toEqual(['s2:j1']);
  });

  it('reaches an agent that was away when the job ended, once it re-joins (else it holds the value for ever)', () => {
    const { cluster, fx } = makeCluster({ heartbeatMs: 10_000, heartbeatTimeoutMs: 30_000 });
    cluster.retireOnFinish = true;
    const s1 = join(cluster, 'a', 1, T0, { maxPrefetch: 0, id: 's1' });
    cluster.submit(makeJob('j1', 1, { shared: REF }));
    cluster.submit(makeJob('j2', 1, { shared: OTHER }));
    cluster.schedule(T0);
    expect(fx.assigned('s1').length).toBeGreaterThan(0);
    cluster.disconnected(s1, T0 + 1);
    cluster.cancel('j1', T0 + 2);
    cluster.cancel('j2', T0 + 2);
    expect(releases(fx)).toEqual([]);
    join(cluster, 'a', 1, T0 + 3, { maxPrefetch: 0, id: 's2', previousSessionId: 's1' });
    expect(releases(fx).sort()).toEqual(['s2:j1', 's2:j2']);
    // Told once: a later heir is not told again.
    join(cluster, 'a', 1, T0 + 4, { maxPrefetch: 0, id: 's3', previousSessionId: 's2' });
    expect(releases(fx)).toHaveLength(2);
  });
});
