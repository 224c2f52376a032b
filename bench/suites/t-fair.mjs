/**
 * Issue 13, acceptance 2: fair share between jobs, before and after, in one
 * run. One coordinator + one agent with 2 thread slots per scheduling mode
 * (`--scheduling fifo`, the old first come first served, and `fair`, the
 * default), both up side by side; in each repetition both run the same
 * scenario at the same time (the `sleep` task costs no CPU, so they do not
 * slow each other): a 40 × 300 ms job, then 1 s later a 2 × 300 ms job.
 * Figures, medians of the repetitions: the small job's latency from its
 * submission to its end (report.durationMs, the coordinator's clock), and
 * the big job's total time (what fairness costs it).
 * Target: the small job ends in under 1 s with fair share.
 */
import os from 'node:os';
import { ApiClient, startLocalCluster } from '@cohort/cli';
import { summary } from '../lib/stats.mjs';

export const FAIR_TARGET_MS = 1000;
const MODES = ['fifo', 'fair'];
const PARTITION_MS = 300;
const BIG = 40;
const SMALL = 2;
const SLOTS = 2;
const SUBMIT_AFTER_MS = 1000;
const POLL_MS = 20;
const JOB_LIMIT_MS = 60_000;

const sleepFor = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll the job's report until it ends (bounded); fails unless it succeeded. */
async function ended(api, jobId) {
  const deadline = performance.now() + JOB_LIMIT_MS;
  for (;;) {
    const r = await api.report(jobId);
    if (r.status === 'succeeded') return r;
    if (r.status !== 'queued' && r.status !== 'running') throw new Error(`job ${jobId} ended ${r.status}: ${r.error?.message}`);
    if (performance.now() > deadline) throw new Error(`job ${jobId} did not end within ${JOB_LIMIT_MS} ms`);
    await sleepFor(POLL_MS);
  }
}

/** The scenario once on cluster `c`: the small job's latency and the big job's time, ms. */
async function scenario(c) {
  const spec = { task: 'sleep', input: { ms: PARTITION_MS } };
  const big = await c.api.submit({ ...spec, partitions: BIG });
  await sleepFor(SUBMIT_AFTER_MS);
  const small = await ended(c.api, (await c.api.submit({ ...spec, partitions: SMALL })).jobId);
  const bigDone = await ended(c.api, big.jobId);
  return { smallMs: small.durationMs, bigMs: bigDone.durationMs };
}

async function startClusters() {
  const clusters = {};
  try {
    for (const mode of MODES) {
      const c = await startLocalCluster({ agents: [{ name: `${mode}-agent`, mode: 'threads', slots: SLOTS }], coordinatorArgs: ['--scheduling', mode] });
      clusters[mode] = Object.assign(c, { api: new ApiClient({ url: c.url, token: c.token, tls: c.tls }) });
    }
  } catch (err) {
    await stopClusters(clusters);
    throw err;
  }
  return clusters;
}

async function stopClusters(clusters) {
  for (const c of Object.values(clusters)) {
    await c.api.close();
    await c.stop();
  }
}

export default {
  name: 'fair',
  target: true,
  async run({ quick, log }) {
    const reps = quick ? 1 : 3;
    const out = { cores: os.availableParallelism(), loadavgAtStart: os.loadavg(), reps, partitionMs: PARTITION_MS, big: BIG, small: SMALL, slots: SLOTS };
    const clusters = await startClusters();
    const samples = Object.fromEntries(MODES.map((m) => [m, { smallMs: [], bigMs: [] }]));
    try {
      // Warm: slots loaded and the run time (that of the scenario's partitions) learned, on both clusters.
      await Promise.all(
        MODES.map((m) =>
          clusters[m].api.submit({ task: 'sleep', input: { ms: PARTITION_MS }, partitions: SLOTS }).then((r) => ended(clusters[m].api, r.jobId)),
        ),
      );
      for (let i = 0; i < reps; i++) {
        const runs = await Promise.all(MODES.map((m) => scenario(clusters[m])));
        MODES.forEach((m, k) => {
          samples[m].smallMs.push(runs[k].smallMs);
          samples[m].bigMs.push(runs[k].bigMs);
        });
        log(`  rep ${i + 1}: small job fifo ${runs[0].smallMs} ms, fair ${runs[1].smallMs} ms; big job fifo ${runs[0].bigMs} ms, fair ${runs[1].bigMs} ms`);
      }
    } finally {
      await stopClusters(clusters);
    }
    for (const m of MODES) out[m] = { smallMs: summary(samples[m].smallMs, 'ms'), bigMs: summary(samples[m].bigMs, 'ms') };
    out.smallSpeedup = out.fifo.smallMs.median / out.fair.smallMs.median;
    out.bigRatio = out.fair.bigMs.median / out.fifo.bigMs.median;
    out.loadavgAtEnd = os.loadavg();
    out.method = `One coordinator + one agent with ${SLOTS} thread slots per scheduling mode (--scheduling fifo and fair), up side by side and running the same scenario at the same time: a ${BIG} × ${PARTITION_MS} ms \`sleep\` job, then ${SUBMIT_AFTER_MS} ms later a ${SMALL} × ${PARTITION_MS} ms one; latency = the small job's report.durationMs (submission to end, the coordinator's clock)`;
    out.target = FAIR_TARGET_MS;
    out.pass = out.fair.smallMs.median < FAIR_TARGET_MS;
    log(
      `  small job behind a big one: fifo ${out.fifo.smallMs.median} ms, fair ${out.fair.smallMs.median} ms (${out.smallSpeedup.toFixed(1)}× sooner; target < ${FAIR_TARGET_MS} ms); big job ${out.fifo.bigMs.median} → ${out.fair.bigMs.median} ms (${out.bigRatio.toFixed(3)}×)`,
    );
    return out;
  },
};
