/**
 * A partition that fails on every attempt fails its job with
 * PARTITION_FAILED, naming the partition, its input, each attempt's agent,
 * mode and error, and a next step. Other jobs and the agents are unaffected.
 */
import { describe, expect, it } from 'vitest';
import { runJob } from '@cohort/cli';
import { failedAttempts, partitionFailure } from '@cohort/shared';
import { PRIMES_1E7, agents, cluster } from '../helpers/cluster.js';

describe('poison partitions', () => {
  it('fail the job with PARTITION_FAILED and the evidence, leaving other jobs alone', async () => {
    const c = await cluster(agents(2, 'threads'));
    const poisoned = runJob({ url: c.url, token: c.token, task: 'poison', input: { bad: [3] }, partitions: 8, maxAttempts: 3 });
    const healthy = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 16 });
    const [bad, good] = await Promise.all([poisoned, healthy]);
    expect(good.status).toBe('succeeded');
    expect(good.result).toBe(PRIMES_1E7.expected);
    expect(bad.status).toBe('failed');
    expect(bad.error?.code).toBe('PARTITION_FAILED');
    const details = partitionFailure(bad.error);
    const attempts = failedAttempts(bad.error);
    expect(details?.partition).toBe(3);
    expect(details?.input).toContain('3');
    expect(attempts).toHaveLength(3);
    for (const a of attempts) {
      expect(a.code).toBe('TASK_ERROR');
      expect(a.mode).toBe('thread');
      expect(['threads-1', 'threads-2']).toContain(a.agent);
    }
    // Retries prefer another agent: both agents tried it.
    expect(new Set(attempts.map((a) => a.agent)).size).toBe(2);
    expect(details?.next.length).toBeGreaterThan(0);
    const again = await runJob({ url: c.url, token: c.token, task: 'noop', partitions: 50 });
    expect(again.result).toBe(50);
  });

  it('times a hung partition out (PARTITION_TIMEOUT), kills its slot, and retries it', async () => {
    const c = await cluster(agents(2, 'processes'));
    // Slow only on the first attempt (a slow node): the timeout fires once, the retry succeeds.
    const recovered = await runJob({
      url: c.url,
      token: c.token,
      task: 'slow',
      input: { ms: 10, slow: [1], slowMs: 60_000, slowAttempts: 1 },
      partitions: 4,
      timeoutMs: 800,
    });
    expect(recovered.status).toBe('succeeded');
    expect(recovered.result).toBe(4);
    expect(recovered.attempts).toBe(5);
    // A partition that hangs every time fails the job with the timeouts as evidence.
    const hung = await runJob({ url: c.url, token: c.token, task: 'hang', input: { partitions: [0] }, partitions: 2, timeoutMs: 500, maxAttempts: 2 });
    expect(hung.status).toBe('failed');
    expect(hung.error?.code).toBe('PARTITION_FAILED');
    expect(failedAttempts(hung.error).map((a) => a.code)).toEqual(['PARTITION_TIMEOUT', 'PARTITION_TIMEOUT']);
  });
});
