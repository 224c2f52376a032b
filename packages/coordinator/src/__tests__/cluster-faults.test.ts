import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@cohort/shared';
import { HEARTBEAT_MS, HEARTBEAT_TIMEOUT_MS, answerAll, failed, join, makeCluster, makeJob, ok, tickTo } from './helpers.js';

const T0 = 1_000;

/** Two agents with one slot each (window 2) and a 4-partition job: a holds 0-1, b holds 2-3. */
function twoAgents() {
  const { cluster, fx } = makeCluster();
  const a = join(cluster, 'a', 1, T0, { maxPrefetch: 1 });
  const b = join(cluster, 'b', 1, T0, { maxPrefetch: 1 });
  const job = makeJob('j1', 4);
  cluster.submit(job);
  cluster.schedule(T0);
  expect(fx.assigned('a')).toEqual([
    { p: 0, a: 1 },
    { p: 1, a: 1 },
  ]);
  expect(fx.assigned('b')).toEqual([
    { p: 2, a: 1 },
    { p: 3, a: 1 },
  ]);
  return { cluster, fx, a, b, job };
}

describe('cluster: agent disconnected', () => {
  it('requeues its partitions (lost), counts them, and the other agent gets them with attempt 2', () => {
    const { cluster, fx, a, b, job } = twoAgents();
    cluster.receive(a, { type: 'started', jobId: 'j1', items: [[0, 1]] }, T0 + 5);
    answerAll(cluster, fx, b, T0 + 10);
    cluster.disconnected(a, T0 + 20);

    expect(a.state).toBe('dead');
    expect(cluster.agents.has('a')).toBe(false);
    expect(job.requeued).toBe(2);
    expect(job.partitions[0]!.state).toBe('pending');
    expect(job.partitions[1]!.state).toBe('pending');
    expect(job.partitions[0]!.history!.at(-1)).toMatchObject({ from: 'running', to: 'pending', event: 'lost', attempt: 1, agent: 'a', reason: 'agent-closed' });
    expect(job.partitions[1]!.history!.at(-1)).toMatchObject({ from: 'assigned', to: 'pending', event: 'lost', agent: 'a' });
    expect(fx.eventsOf('agent-lost')).toEqual([{ kind: 'agent-lost', at: T0 + 20, agentId: 'a', agent: 'a', reason: 'closed', silentMs: 15, requeued: 2 }]);
    expect(fx.closed).toEqual([]); // the socket is already gone

    const since = fx.sent.length;
    cluster.schedule(T0 + 21);
    expect(fx.assigned('b', since).sort((x, y) => x.p - y.p)).toEqual([
      { p: 0, a: 2 },
      { p: 1, a: 2 },
    ]);
    answerAll(cluster, fx, b, T0 + 30, since);
    expect(fx.completed).toEqual([job]);
    expect(job.duplicates).toBe(0);
  });

  it('a second disconnect of the same session changes nothing', () => {
    const { cluster, fx, a, job } = twoAgents();
    cluster.disconnected(a, T0 + 1);
    cluster.disconnected(a, T0 + 2);
    expect(job.requeued).toBe(2);
    expect(fx.eventsOf('agent-lost')).toHaveLength(1);
  });

  it('a draining agent gets no new work and, when it closes, has left; what it held is requeued', () => {
    const { cluster, fx, a, b, job } = twoAgents();
    cluster.receive(a, { type: 'draining' }, T0 + 1);
    expect(a.state).toBe('draining');
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1)] }, T0 + 2);
    answerAll(cluster, fx, b, T0 + 2);
    const since = fx.sent.length;
    cluster.schedule(T0 + 3);
    expect(fx.assigned('a', since)).toEqual([]);
    cluster.disconnected(a, T0 + 4);
    expect(a.state).toBe('left');
    expect(fx.eventsOf('agent-lost')[0]).toMatchObject({ reason: 'left', requeued: 1 });
    expect(job.partitions[1]!.state).toBe('pending');
  });
});

describe('cluster: failure detection by tick', () => {
  it('beats to live agents every heartbeatTimeoutMs / 2 (never faster than heartbeatMs), one frame object for all of them', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 1, T0);
    const b = join(cluster, 'b', 1, T0);
    const every = Math.max(HEARTBEAT_MS, Math.floor(HEARTBEAT_TIMEOUT_MS / 2));
    for (let t = T0 + 50; t <= T0 + 10 * every; t += 50) {
      cluster.tick(t);
      for (const s of [a, b]) cluster.receive(s, { type: 'heartbeat', seq: t, sentAt: t }, t);
    }
    const beats = fx.sent.filter((s) => s.msg.type === 'heartbeat' && s.session === a).map((s) => s.msg);
    expect(beats.length).toBeGreaterThanOrEqual(9);
    expect(beats.length).toBeLessThanOrEqual(11);
    // b got the very same objects: the executor encodes each beat once.
    const toB = fx.sent.filter((s) => s.msg.type === 'heartbeat' && s.session === b).map((s) => s.msg);
    expect(toB).toHaveLength(beats.length);
    expect(toB.every((m, i) => m === beats[i])).toBe(true);
    expect(beats.map((m) => (m as { seq: number }).seq)).toEqual(beats.map((_, i) => i + 1));
  });

  it('silence > 2 × heartbeatMs makes an agent suspect (no new work); hearing it again makes it ready', () => {
    const { cluster, fx, a, b, job } = twoAgents();
    // b keeps talking, a goes quiet.
    let now = T0;
    while (now - a.lastSeen <= 2 * HEARTBEAT_MS) {
      now += 50;
      cluster.tick(now);
      cluster.receive(b, { type: 'heartbeat', seq: now, sentAt: now }, now);
    }
    expect(a.state).toBe('suspect');
    expect(b.state).toBe('ready');
    expect(fx.eventsOf('agent-suspect')).toEqual([{ kind: 'agent-suspect', at: now, agentId: 'a', agent: 'a', silentMs: now - T0 }]);

    // a's results free its credit, but a suspect gets no new work... (the result itself is heard, so send it from b's side first)
    answerAll(cluster, fx, b, now);
    const since = fx.sent.length;
    cluster.schedule(now);
    expect(fx.assigned('a', since)).toEqual([]);
    expect(job.partitions[0]!.agent).toBe(a); // still held: suspect is not dead

    cluster.receive(a, { type: 'heartbeat', seq: 1, sentAt: now }, now + 1);
    expect(a.state).toBe('ready');
    expect(job.requeued).toBe(0);
  });

  it('silence > heartbeatTimeoutMs: closed with DECLARED_DEAD, partitions requeued and run elsewhere', () => {
    const { cluster, fx, a, b, job } = twoAgents();
    let now = T0;
    while (a.state !== 'dead') {
      now += 50;
      cluster.tick(now);
      cluster.receive(b, { type: 'heartbeat', seq: now, sentAt: now }, now);
      expect(now).toBeLessThan(T0 + 2 * HEARTBEAT_TIMEOUT_MS);
    }
    expect(now - T0).toBeGreaterThan(HEARTBEAT_TIMEOUT_MS);
    expect(now - T0).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + 50);
    expect(fx.closed).toEqual([{ to: 'a', code: ErrorCode.DECLARED_DEAD, message: expect.any(String) }]);
    expect(fx.eventsOf('agent-lost')).toEqual([expect.objectContaining({ agentId: 'a', reason: 'timeout', requeued: 2 })]);
    expect(job.partitions[0]!.history!.at(-1)).toMatchObject({ event: 'lost', reason: 'agent-timeout' });
    expect(cluster.agents.has('a')).toBe(false);

    answerAll(cluster, fx, b, now);
    const since = fx.sent.length;
    cluster.schedule(now);
    expect(fx.assigned('b', since).sort((x, y) => x.p - y.p)).toEqual([
      { p: 0, a: 2 },
      { p: 1, a: 2 },
    ]);

    // No more heartbeats go to the dead session; its socket close later is a no-op.
    const beatsBefore = fx.sent.filter((s) => s.to === 'a').length;
    tickTo(cluster, now, now + 500);
    cluster.disconnected(a, now + 500);
    expect(fx.sent.filter((s) => s.to === 'a').length).toBe(beatsBefore);
    expect(fx.eventsOf('agent-lost')).toHaveLength(1);
  });

  it('a coordinator pause (ticks far apart) is not counted as agent silence', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 1, T0);
    cluster.tick(T0 + 50);
    cluster.tick(T0 + 50 + 5 * HEARTBEAT_TIMEOUT_MS);
    expect(a.state).toBe('ready');
    expect(fx.closed).toEqual([]);
  });

  it('ticks that fire a little late (timer jitter, tickMs = heartbeatMs) do not hide a silent agent', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 1, T0);
    let now = T0;
    while (a.state !== 'dead' && now < T0 + 10 * HEARTBEAT_TIMEOUT_MS) {
      now += HEARTBEAT_MS + 1;
      cluster.tick(now);
    }
    expect(fx.eventsOf('agent-suspect')).toHaveLength(1);
    expect(a.state).toBe('dead');
    expect(fx.closed.map((c) => c.code)).toEqual([ErrorCode.DECLARED_DEAD]);
    expect(now - T0).toBeLessThan(2 * HEARTBEAT_TIMEOUT_MS);
  });

  it('a late result from the dead session is ignored; via a new session it is a duplicate or is accepted', () => {
    const { cluster, fx, a, b, job } = twoAgents();
    let now = T0;
    while (a.state !== 'dead') {
      now += 50;
      cluster.tick(now);
      cluster.receive(b, { type: 'heartbeat', seq: now, sentAt: now }, now);
    }
    answerAll(cluster, fx, b, now); // 2 and 3 done; 0 and 1 pending again
    const since = fx.sent.length;
    cluster.schedule(now);
    expect(
      fx
        .assigned('b', since)
        .map((x) => x.p)
        .sort(),
    ).toEqual([0, 1]);
    cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(1, 2, 'one from b')] }, now + 1); // 1 succeeded, 0 still assigned to b

    // The dead session is not heard again.
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [ok(0, 1), ok(1, 1)] }, now + 2);
    expect(fx.acceptedItems.map((x) => x.p).sort()).toEqual([1, 2, 3]);
    expect(job.duplicates).toBe(0);
    expect(a.lastSeen).toBeLessThan(now);

    // The agent re-joins as a new session and reports what it finished while cut off.
    const a2 = join(cluster, 'a', 1, now + 3, { id: 'a-2', previousSessionId: 'a' });
    const cancelsBefore = fx.cancels('b').length;
    cluster.receive(a2, { type: 'results', jobId: 'j1', items: [ok(1, 1, 'one from a'), ok(0, 1, 'zero from a')] }, now + 4);
    expect(job.duplicates).toBe(1); // partition 1 had already succeeded
    expect(job.partitions[1]!.value).toBe('one from b');
    expect(job.partitions[0]!.value).toBe('zero from a'); // partition 0 was still open: accepted
    expect(job.partitions[0]!.winner).toBe('a');
    expect(fx.acceptedItems.map((x) => x.p).sort()).toEqual([0, 1, 2, 3]);
    expect(fx.cancels('b').slice(cancelsBefore)).toEqual([{ type: 'cancel', jobId: 'j1', items: [0] }]); // b's copy of 0 is no longer needed
    expect(fx.completed).toEqual([job]);

    cluster.receive(b, { type: 'results', jobId: 'j1', items: [ok(0, 2)] }, now + 5);
    expect(job.duplicates).toBe(2);
    expect(fx.acceptedItems).toHaveLength(4);
  });

  it('a late result for a partition that is pending (not yet rescheduled) is accepted, and it is not handed out again', () => {
    const { cluster, fx, a, b, job } = twoAgents();
    cluster.disconnected(a, T0 + 10);
    const a2 = join(cluster, 'a', 1, T0 + 11, { id: 'a-2', previousSessionId: 'a' });
    cluster.receive(a2, { type: 'results', jobId: 'j1', items: [ok(0, 1), ok(1, 1)] }, T0 + 12);
    expect(job.partitions[0]!.state).toBe('succeeded');
    expect(job.partitions[0]!.history!.at(-1)).toMatchObject({ from: 'pending', to: 'succeeded', event: 'succeed' });
    answerAll(cluster, fx, b, T0 + 12);
    expect(fx.completed).toEqual([job]);
    const since = fx.sent.length;
    cluster.schedule(T0 + 13);
    expect(fx.assigns(undefined, since)).toEqual([]);
  });
});

describe('cluster: partition failures', () => {
  it('a failure with attempts left retries the partition, on another agent', () => {
    const { cluster, fx, a, b, job } = twoAgents();
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [failed(0, 1, ErrorCode.TASK_ERROR)] }, T0 + 5);
    const p = job.partitions[0]!;
    expect(p.state).toBe('pending');
    expect(p.history!.at(-1)).toMatchObject({ event: 'retry', reason: ErrorCode.TASK_ERROR, agent: 'a' });
    expect(job.requeued).toBe(1);
    expect(a.failed).toBe(1);
    answerAll(cluster, fx, b, T0 + 6); // b has credit again
    const since = fx.sent.length;
    cluster.schedule(T0 + 7);
    expect(fx.assigned('a', since).some((x) => x.p === 0)).toBe(false);
    expect(fx.assigned('b', since)).toContainEqual({ p: 0, a: 2 });
  });

  it('failing every attempt fails the job with PARTITION_FAILED naming each attempt; holders get a cancel; other jobs go on', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 2, T0);
    const b = join(cluster, 'b', 2, T0);
    const bad = makeJob('bad', 4, { maxAttempts: 3 });
    const good = makeJob('good', 100);
    cluster.submit(bad);
    cluster.submit(good);
    let now = T0;
    const answerGood = () => {
      for (const s of [a, b]) {
        const items = [...s.held].filter((p) => p.job === good).map((p) => ok(p.index, p.attempt));
        if (items.length > 0) cluster.receive(s, { type: 'results', jobId: 'good', items }, now);
      }
    };
    const failedOn: string[] = [];
    const codes = [ErrorCode.TASK_ERROR, ErrorCode.PARTITION_TIMEOUT, ErrorCode.SLOT_CRASHED];
    const modes = ['thread', 'process', 'thread'] as const;
    let sinceLast = 0;
    let holdersOfBad: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      for (let i = 0; i < 10 && bad.partitions[0]!.attempt < attempt; i++) {
        cluster.schedule(++now);
        answerGood();
      }
      const p0 = bad.partitions[0]!;
      expect(p0.attempt).toBe(attempt);
      expect(p0.state).toBe('assigned');
      failedOn.push(p0.agent!.name);
      if (attempt === 3) {
        holdersOfBad = [a, b].filter((s) => [...s.held].some((p) => p.job === bad && p.index !== 0)).map((s) => s.id);
        sinceLast = fx.sent.length;
      }
      cluster.receive(p0.agent!, { type: 'results', jobId: 'bad', items: [failed(0, attempt, codes[attempt - 1], modes[attempt - 1])] }, ++now);
    }
    expect(failedOn[1]).not.toBe(failedOn[0]); // the retry went to the other agent
    expect(bad.status).toBe('failed');
    expect(bad.partitions[0]!.state).toBe('failed');
    expect(bad.partitions[0]!.history!.at(-1)).toMatchObject({ event: 'fail', reason: ErrorCode.SLOT_CRASHED });
    expect(bad.error?.code).toBe(ErrorCode.PARTITION_FAILED);
    expect(bad.error?.details).toMatchObject({ jobId: 'bad', partition: 0 });
    expect((bad.error!.details as { attempts: unknown[] }).attempts).toEqual([
      { attempt: 1, agent: failedOn[0], mode: 'thread', code: ErrorCode.TASK_ERROR, message: expect.any(String) },
      { attempt: 2, agent: failedOn[1], mode: 'process', code: ErrorCode.PARTITION_TIMEOUT, message: expect.any(String) },
      { attempt: 3, agent: failedOn[2], mode: 'thread', code: ErrorCode.SLOT_CRASHED, message: expect.any(String) },
    ]);
    expect(fx.finishedJobs).toEqual([bad]);

    // Whoever still held partitions of the failed job was told to drop the whole job.
    expect(holdersOfBad.length).toBeGreaterThan(0);
    const cancels = fx.sent.slice(sinceLast).filter((x) => x.msg.type === 'cancel');
    expect(cancels.map((x) => x.to).sort()).toEqual(holdersOfBad.sort());
    for (const c of cancels) expect(c.msg).toEqual({ type: 'cancel', jobId: 'bad' });
    for (const s of [a, b]) for (const p of s.held) expect(p.job).toBe(good);

    // The other job was unaffected and finishes.
    expect(good.status).toBe('running');
    for (let i = 0; i < 100 && good.status === 'running'; i++) {
      cluster.schedule(++now);
      answerGood();
    }
    expect(good.status).toBe('merging');
    expect(good.done).toBe(100);
    expect(fx.completed).toEqual([good]);
  });

  it('a job restored after a restart refuses results of attempts this coordinator never issued (issue 8, item 3)', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 1, T0);
    const fresh = makeJob('j-fresh', 2);
    const restored = makeJob('j-restored', 2);
    restored.restored = true;
    cluster.submit(fresh);
    cluster.submit(restored);
    cluster.receive(a, { type: 'results', jobId: 'j-fresh', items: [ok(0, 3)] }, T0 + 1);
    expect(fresh.done).toBe(0);
    cluster.receive(a, { type: 'results', jobId: 'j-restored', items: [ok(0, 3)] }, T0 + 2);
    expect(restored.done).toBe(0);
    expect(restored.partitions[0]!.attempt).toBe(0);
    expect(restored.unissued).toBe(1);
    expect(fx.acceptedItems).toEqual([]);
  });

  it('a cancelled attempt from a draining agent is not counted as a failure, and the partition is not stranded', () => {
    const { cluster, a, job } = twoAgents();
    cluster.receive(a, { type: 'draining' }, T0 + 1);
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [failed(0, 1, ErrorCode.CANCELLED)] }, T0 + 1);
    expect(job.partitions[0]!.failures).toBeUndefined();
    expect(a.failed).toBe(0);
    expect(job.partitions[0]!.state).toBe('pending');
    expect(job.partitions[0]!.history!.at(-1)).toMatchObject({ event: 'lost', reason: ErrorCode.CANCELLED });
  });

  it('a hand-back from an agent that is not draining is a failed attempt (issue 8: a rogue must not loop a partition)', () => {
    const { cluster, a, job } = twoAgents();
    cluster.receive(a, { type: 'results', jobId: 'j1', items: [failed(0, 1, ErrorCode.CANCELLED)] }, T0 + 1);
    expect(job.partitions[0]!.failures).toHaveLength(1);
    expect(a.failed).toBe(1);
    expect(job.partitions[0]!.history!.at(-1)).toMatchObject({ event: 'retry', reason: ErrorCode.CANCELLED });
  });

  it('partitions a draining agent hands back unrun (SHUTTING_DOWN) are requeued, not failed, even with maxAttempts 1', () => {
    const { cluster, fx } = makeCluster();
    const a = join(cluster, 'a', 1, T0);
    const b = join(cluster, 'b', 1, T0);
    const job = makeJob('j1', 4, { maxAttempts: 1 });
    cluster.submit(job);
    cluster.schedule(T0);
    const held = fx.assigned('a').map(({ p, a: attempt }) => failed(p, attempt, ErrorCode.SHUTTING_DOWN));
    expect(held.length).toBeGreaterThan(0);
    cluster.receive(a, { type: 'draining' }, T0 + 1);
    cluster.receive(a, { type: 'results', jobId: 'j1', items: held }, T0 + 2);
    expect(job.status).toBe('running');
    expect(job.requeued).toBe(held.length);
    expect(a.failed).toBe(0);
    for (const { p } of held) expect(job.partitions[p]!.state).toBe('pending');
    answerAll(cluster, fx, b, T0 + 3);
    const since = fx.sent.length;
    cluster.schedule(T0 + 4);
    expect(fx.assigned('a', since)).toEqual([]);
    expect(fx.assigned('b', since).map((x) => x.p)).toEqual(expect.arrayContaining([held[0]!.p]));
  });

  it('a failure of an older copy does not retry the current attempt', () => {
    const { cluster, fx, a, b, job } = twoAgents();
    cluster.disconnected(a, T0 + 1);
    answerAll(cluster, fx, b, T0 + 2);
    cluster.schedule(T0 + 3);
    expect(job.partitions[0]!.agent).toBe(b);
    const a2 = join(cluster, 'a', 1, T0 + 4, { id: 'a-2', previousSessionId: 'a' });
    cluster.receive(a2, { type: 'results', jobId: 'j1', items: [failed(0, 1)] }, T0 + 5);
    expect(job.partitions[0]!.state).toBe('assigned');
    expect(job.partitions[0]!.attempt).toBe(2);
    expect(job.partitions[0]!.failures).toHaveLength(1);
  });
});
