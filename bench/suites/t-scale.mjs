/**
 * Target (c): the coordinator holds 1,000,000 queued partitions in < 1 GB
 * RSS, and its time per partition is flat from 10k to 1M, and on to 2M in a
 * full run (issue 13), with the RSS once the 2M job has finished (released:
 * a finished job keeps its report only). A fresh
 * coordinator process per size; a `noop` job submitted with no agent
 * attached (submit time = the POST, which splits and queues); RSS from
 * /proc/<pid>/status once queued. Then one agent (2 thread slots) joins and
 * runs the queue: time per partition end to end; RSS again 1 s after the
 * job's end, then after a full GC forced in the coordinator (lib/gc-probe.cjs,
 * preloaded: a bench instrument) to tell live memory from uncollected garbage.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, spawnAgent, spawnCoordinator, runJob, stopAll } from '@cohort/cli';
import { MB, rssBytes } from '../lib/proc.mjs';
import { summary } from '../lib/stats.mjs';

export const RSS_TARGET_MB = 1024;
export const FLAT_TOLERANCE = 1.5;
/** After a job's end: time for the coordinator to release it before its RSS is read. */
const SETTLE_MS = 1000;
const GC_PROBE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'gc-probe.cjs');

/** RSS after a full GC in the coordinator (lib/gc-probe.cjs, on SIGUSR2): what is live, not garbage V8 keeps. */
async function liveRss(pid, file) {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).after.rss;
  }
  return NaN;
}

/** One size on a fresh coordinator. */
async function once(partitions) {
  const token = randomBytes(24).toString('base64url');
  const env = { COHORT_TOKEN: token };
  const gcFile = path.join(os.tmpdir(), `cohort-bench-gc-${process.pid}-${Date.now()}.json`);
  const coordinator = await spawnCoordinator({
    args: ['--host', '127.0.0.1', '--port', '0'],
    env: { ...env, NODE_OPTIONS: `--require ${GC_PROBE}`, COHORT_BENCH_GC_FILE: gcFile },
  });
  let agent;
  try {
    const api = new ApiClient({ url: coordinator.url, token });
    const idleRss = rssBytes(coordinator.pid);
    const t0 = performance.now();
    const submitted = await api.submit({ task: 'noop', partitions });
    const submitMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 300));
    const queuedRss = rssBytes(coordinator.pid);
    agent = await spawnAgent({ name: 'scale-agent', args: ['--connect', coordinator.url, '--mode', 'threads', '--slots', '2'], env });
    const report = await runJob({ url: coordinator.url, token, attach: submitted.jobId });
    if (report.status !== 'succeeded' || report.result !== partitions) throw new Error(`scale job ${partitions}: ${report.status} ${report.result}`);
    // From the agent joining to the end: the job was created long before.
    const runMs = report.finishedAt - report.startedAt;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const finishedRss = rssBytes(coordinator.pid);
    const live = await liveRss(coordinator.pid, gcFile);
    return {
      finishedRssMb: finishedRss / MB,
      liveRssMb: live / MB,
      idleRssMb: idleRss / MB,
      queuedRssMb: queuedRss / MB,
      submitMs,
      submitUsPerPartition: (submitMs * 1000) / partitions,
      runMs,
      runUsPerPartition: (runMs * 1000) / partitions,
    };
  } finally {
    await stopAll([agent, coordinator]);
    rmSync(gcFile, { force: true });
  }
}

export default {
  name: 'scale',
  target: true,
  async run({ quick, log }) {
    const sizes = quick ? [10_000, 100_000, 1_000_000] : [10_000, 100_000, 1_000_000, 2_000_000];
    const reps = quick ? 1 : 3;
    const out = { sizes, bySize: {} };
    for (const n of sizes) {
      const runs = [];
      for (let i = 0; i < reps; i++) runs.push(await once(n));
      const s = (k, unit) =>
        summary(
          runs.map((r) => r[k]),
          unit,
        );
      out.bySize[n] = {
        idleRssMb: s('idleRssMb', 'MB'),
        queuedRssMb: s('queuedRssMb', 'MB'),
        finishedRssMb: s('finishedRssMb', 'MB'),
        liveRssMb: s('liveRssMb', 'MB'),
        submitMs: s('submitMs', 'ms'),
        submitUsPerPartition: s('submitUsPerPartition', 'µs'),
        runMs: s('runMs', 'ms'),
        runUsPerPartition: s('runUsPerPartition', 'µs'),
      };
      const b = out.bySize[n];
      log(
        `  ${n.toLocaleString('en-US')} queued: RSS ${b.queuedRssMb.median.toFixed(0)} MB (idle ${b.idleRssMb.median.toFixed(0)}, finished ${b.finishedRssMb.median.toFixed(0)}, live after a full GC ${b.liveRssMb.median.toFixed(0)}), submit ${b.submitUsPerPartition.median.toFixed(2)} µs/partition, run ${b.runUsPerPartition.median.toFixed(2)} µs/partition`,
      );
    }
    const big = out.bySize[1_000_000];
    const small = out.bySize[10_000];
    out.rss1M = big.queuedRssMb.median;
    out.submitFlatRatio = big.submitUsPerPartition.median / small.submitUsPerPartition.median;
    out.runFlatRatio = big.runUsPerPartition.median / out.bySize[100_000].runUsPerPartition.median;
    out.rssPass = out.rss1M < RSS_TARGET_MB;
    out.flatPass = out.submitFlatRatio <= FLAT_TOLERANCE && out.runFlatRatio <= FLAT_TOLERANCE;
    // The largest size (2M in a full run): flat against the same smaller sizes, and its RSS queued and finished.
    const largest = sizes.at(-1);
    const top = out.bySize[largest];
    out.largest = {
      partitions: largest,
      idleRssMb: top.idleRssMb.median,
      queuedRssMb: top.queuedRssMb.median,
      finishedRssMb: top.finishedRssMb.median,
      liveRssMb: top.liveRssMb.median,
      submitFlatRatio: top.submitUsPerPartition.median / small.submitUsPerPartition.median,
      runFlatRatio: top.runUsPerPartition.median / out.bySize[100_000].runUsPerPartition.median,
    };
    out.largest.flatPass = out.largest.submitFlatRatio <= FLAT_TOLERANCE && out.largest.runFlatRatio <= FLAT_TOLERANCE;
    return out;
  },
};
