/**
 * Issue 13, acceptance 2: a 2-partition job submitted 1 s into a 40 × 300 ms
 * job on one agent with 2 slots finishes in under 1 s (fair share, the
 * default), where first come, first served (`--scheduling fifo`) makes it
 * wait for the big job: 1.5 s after its submission it has still not ended
 * (it would take about 5.4 s; the bench measures that). Both clusters run
 * side by side (the sleep task costs no CPU), and every job left is
 * cancelled once the figure is taken.
 */
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '@cohort/sdk';
import { type CohortError, ErrorCode, FINISHED_JOB_STATUSES, type JobReport } from '@cohort/shared';
import { agents, cluster, waitFor } from './helpers/cluster.js';

const PARTITION_MS = 300;
const SLEEP = { task: 'sleep', input: { ms: PARTITION_MS } };

async function finished(api: ApiClient, jobId: string): Promise<JobReport> {
  return waitFor(
    `job ${jobId} to end`,
    async () => {
      const r = await api.report(jobId);
      // Final only: a job that is `merging` has every result in but is not done yet.
      return (FINISHED_JOB_STATUSES as readonly string[]).includes(r.status) && r;
    },
    15_000,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The small job's latency, submit to end (the coordinator's clock), 1 s into the big job. */
async function smallBehindBig(): Promise<{ smallMs: number; clientMs: number; big: JobReport; small: JobReport }> {
  const c = await cluster(agents(1, 'threads', 2));
  const big = await c.api.submit({ ...SLEEP, partitions: 40, priority: 1 });
  await sleep(1000);
  const t0 = performance.now();
  const submitted = await c.api.submit({ ...SLEEP, partitions: 2 });
  const small = await finished(c.api, submitted.jobId);
  const clientMs = performance.now() - t0;
  await c.api.cancel(big.jobId);
  return { smallMs: small.durationMs, clientMs, big: await c.api.report(big.jobId), small };
}

/** With --scheduling fifo: the small job's report 1.5 s after its submission, 1 s into the big job. */
async function smallBehindBigFifo(): Promise<JobReport> {
  const c = await cluster(agents(1, 'threads', 2), ['--scheduling', 'fifo']);
  const big = await c.api.submit({ ...SLEEP, partitions: 40 });
  await sleep(1000);
  const submitted = await c.api.submit({ ...SLEEP, partitions: 2 });
  await sleep(1500);
  const small = await c.api.report(submitted.jobId);
  await Promise.all([c.api.cancel(big.jobId), c.api.cancel(submitted.jobId)]);
  return small;
}

describe('fair share between jobs', () => {
  it('a 2-partition job submitted 1 s into a 40 × 300 ms job on 2 slots ends in under 1 s; with --scheduling fifo it waits', async () => {
    const [fair, fifo] = await Promise.all([smallBehindBig(), smallBehindBigFifo()]);
    console.log(`fair share: small job ${fair.smallMs} ms (client ${Math.round(fair.clientMs)} ms); fifo: ${fifo.done}/2 done after 1.5 s`);
    expect(fair.small.status).toBe('succeeded');
    expect(fair.small.result).toBe(2 * PARTITION_MS);
    expect(fair.smallMs).toBeLessThan(1000);
    // First come, first served: 1.5 s after its submission the small job has not run at all.
    expect(fifo.status).not.toBe('succeeded');
    expect(fifo.done).toBe(0);
    // The big job was still running when the small one ended (then cancelled): the small one did not simply come after it.
    expect(fair.big.status).toBe('cancelled');
    expect(fair.big.priority).toBe(1);
  }, 30_000);

  it('POST /api/jobs refuses a priority outside 1..1000, or not an integer, with BAD_REQUEST naming the field', async () => {
    const c = await cluster(agents(1, 'threads', 1));
    for (const priority of [0, -1, 1.5, 1e9, '2']) {
      const err = await c.api.submit({ ...SLEEP, partitions: 1, priority }).then(
        () => undefined,
        (e: CohortError) => e,
      );
      expect({ priority, code: err?.code, field: err?.details?.field }).toEqual({ priority, code: ErrorCode.BAD_REQUEST, field: 'priority' });
    }
    const ok = await c.api.submit({ ...SLEEP, input: { ms: 0 }, partitions: 1, priority: 7 });
    expect(ok.priority).toBe(7);
    expect((await finished(c.api, ok.jobId)).priority).toBe(7);
  });
});
