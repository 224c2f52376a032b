/**
 * Issue 8, items 2-4: a scripted malicious agent speaks the real protocol to
 * a real coordinator. Whatever it says, honest agents' jobs finish with the
 * right answer, and the coordinator keeps serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runJob, startRogueAgent, type RogueAgent } from '@cohort/cli';
import { CloseCode, encode, partitionFailure } from '@cohort/shared';
import { PRIMES_1E7, agents, cluster, hello, rawSocket, waitFor } from '../helpers/cluster.js';

const rogues: RogueAgent[] = [];
function rogue(...args: Parameters<typeof startRogueAgent>): RogueAgent {
  const r = startRogueAgent(...args);
  rogues.push(r);
  return r;
}
afterEach(() => {
  for (const r of rogues.splice(0)) r.stop();
});

describe('a rogue agent', () => {
  it("that drains and then forges every result cannot change a job's answer, and is expelled with RESULT_NOT_ISSUED", async () => {
    const c = await cluster(agents(2, 'threads'));
    // Long enough (about 1 s on 2 slots) that the rogue's forgeries land while the job runs.
    const partitions = 40;
    const ms = 50;
    let jobId: string | undefined;
    const job = runJob({ url: c.url, token: c.token, task: 'sleep', input: { ms }, partitions, onProgress: (p) => void (jobId ??= p.jobId) });
    await waitFor('the job id', () => jobId);
    const r = rogue({
      url: c.url,
      token: c.token,
      name: 'rogue',
      drainFirst: true,
      forgeOthers: { jobId: jobId!, partitions, attempts: 3 },
      forgedValue: 1,
      forgeDelayMs: 100,
    });
    await r.joined;
    const closed = await Promise.race([
      r.closed,
      new Promise<{ code: number; reason: string }>((resolve) => setTimeout(() => resolve({ code: 0, reason: 'not closed within 20 s' }), 20_000)),
    ]);
    // It may have been issued a partition or two before its `draining` arrived; it never forges those
    // (lying about its own work is outside what the protocol detects), only what it was never issued.
    expect(r.forged).toBeGreaterThan(64);
    expect(closed.code).toBe(CloseCode.RESULT_NOT_ISSUED);
    expect(closed.reason.startsWith('RESULT_NOT_ISSUED')).toBe(true);
    const report = await job;
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(partitions * ms);
    const live = await c.api.agents();
    expect(live.map((a) => a.name).sort()).toEqual(['threads-1', 'threads-2']);
  });

  it('that declares the most slots and never answers holds no job hostage past timeoutMs', async () => {
    const c = await cluster(agents(1, 'threads'));
    const r = rogue({ url: c.url, token: c.token, name: 'greedy', hoard: true, slots: 1024, maxPrefetch: 65_536 });
    await r.joined;
    const started = Date.now();
    const report = await runJob({ url: c.url, token: c.token, task: 'noop', partitions: 1000, timeoutMs: 1000 });
    expect(report.status).toBe('succeeded');
    expect(report.done).toBe(1000);
    // It was given the slow-start window (64), not what it declared, and each time the
    // coordinator's own deadline took the work back.
    expect(r.assigned).toBeGreaterThan(0);
    expect(r.assigned % 64).toBe(0);
    expect(report.attempts).toBe(1000 + r.assigned);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('that floods mode-change is closed with RATE_LIMITED; the cluster is not', async () => {
    const c = await cluster(agents(1, 'threads'));
    const r = rogue({ url: c.url, token: c.token, name: 'flooder' });
    await r.joined;
    for (let i = 0; i < 5000; i++) r.send({ type: 'mode-change', task: `t${i % 7}`, mode: 'process', why: 'escalated-after-crash' });
    const closed = await r.closed;
    expect(closed.code).toBe(CloseCode.RATE_LIMITED);
    const report = await runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 8 });
    expect(report.result).toBe(PRIMES_1E7.expected);
  });

  it('with absurd hello fields or a forged attempt of 2^53-1 is refused with BAD_FRAME, and honest agents never reconnect', async () => {
    const c = await cluster(agents(2, 'threads'));
    const before = (await c.api.agents()).map((a) => a.agentId).sort();
    const job = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 40 });
    for (const bad of [
      { slots: 4096 },
      { maxPrefetch: 1e9 },
      { name: '' },
      { hardware: { cpus: 'many' } },
      { hardware: { cpus: 1, memoryBytes: 1, cpuModel: 'x'.repeat(10_000), platform: 'l', arch: 'x', node: 'v', hostname: 'h' } },
    ]) {
      const s = rawSocket(c.url, c.token);
      await s.opened;
      s.ws.send(hello(bad));
      expect((await s.closed).code).toBe(CloseCode.BAD_FRAME);
    }
    const forger = rawSocket(c.url, c.token);
    await forger.opened;
    forger.ws.send(hello({ name: 'forger' }));
    forger.ws.send(
      encode({
        type: 'results',
        jobId: 'j_0000000000',
        items: [{ p: 0, a: Number.MAX_SAFE_INTEGER, ok: true, value: 1, ms: 1, mode: 'thread', why: 'agent-threads' }],
      }),
    );
    expect((await forger.closed).code).toBe(CloseCode.BAD_FRAME);
    const report = await job;
    expect(report.result).toBe(PRIMES_1E7.expected);
    const after = (await c.api.agents()).map((a) => a.agentId).sort();
    expect(after).toEqual(before);
  });
});

describe('a task that kills its host', () => {
  it('fails its job with PARTITION_FAILED naming the agents it took down, after --max-attempts deaths; other jobs go on', async () => {
    const c = await cluster(agents(3, 'threads'));
    const report = await runJob({ url: c.url, token: c.token, task: 'crash', input: { how: 'kill-agent', partitions: [0] }, partitions: 1, maxAttempts: 2 });
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe('PARTITION_FAILED');
    const deaths = partitionFailure(report.error)?.deaths ?? [];
    expect(deaths).toHaveLength(2);
    for (const name of deaths) expect(name).toMatch(/^threads-\d$/);
    const survivor = await runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 4 });
    expect(survivor.result).toBe(PRIMES_1E7.expected);
  });
});
