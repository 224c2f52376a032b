/** A job submitted before any agent exists waits, and finishes once one joins. */
import { describe, expect, it } from 'vitest';
import { runJob, type JobProgress } from '@cohort/cli';
import { PRIMES_1E6, cluster } from './helpers/cluster.js';

describe('no agents', () => {
  it('keeps the job waiting, then finishes it when an agent joins', async () => {
    const c = await cluster([]);
    let last: JobProgress | undefined;
    const job = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E6.input, partitions: 10, onProgress: (p) => (last = p) });
    await new Promise((r) => setTimeout(r, 500)); // it stays queued: nothing could take it
    const jobs = await c.api.jobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'queued', done: 0 });
    await c.addAgent({ name: 'late', mode: 'auto', slots: 1 });
    const report = await job;
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(PRIMES_1E6.expected);
    expect(report.agents).toHaveProperty('late');
    expect(last?.jobId).toBe(report.jobId);
  });
});
