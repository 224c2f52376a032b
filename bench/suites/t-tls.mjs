/**
 * Target (i), issue 12 acceptance 2: what TLS costs. In one run, clusters
 * with TLS off and on (`--tls auto`, agents and the client pinned with
 * `--tls-fingerprint`; bench/lib/tls-cluster.mjs) stay up side by side and
 * the jobs alternate between them (plain, tls, then tls, plain: each
 * repetition flips the order); the 1-slot clusters for T1 start after the
 * no-op runs, so drifting load from other work on this
 * shared machine hits both alike. Medians, and the ratio TLS / plain:
 *  (a) the no-op partition rate, as target (a) measures it: one coordinator
 *      and one agent with 2 thread slots, `noop` partitions, rate =
 *      partitions / report.durationMs; beside it the coordinator's and the
 *      agent's CPU time per partition (/proc), and how busy the machine was
 *      with other work meanwhile;
 *  (b) CPU-bound efficiency, as target (b) defines it: 64 `primes`
 *      partitions of ~70 ms, T1 on a 1-slot agent, T2 on the 2-slot agent,
 *      efficiency = T1 / (2·T2), each with TLS on and off; a T1 (or T2) run
 *      of one mode is next to the other mode's.
 * Target: TLS keeps at least 80% of the plain no-op rate.
 */
import os from 'node:os';
import { runJob } from '@cohort/cli';
import { primesRanges } from '../lib/primes.mjs';
import { cpuSeconds, machineCpuSeconds } from '../lib/proc.mjs';
import { summary } from '../lib/stats.mjs';
import { benchCluster } from '../lib/tls-cluster.mjs';

export const TLS_NOOP_TARGET = 0.8;
const MODES = ['plain', 'tls'];

async function job(c, spec) {
  const report = await runJob({ url: c.url, token: c.token, tls: c.clientTls, ...spec });
  if (report.status !== 'succeeded') throw new Error(`${c.tls ? 'tls' : 'plain'} job ${spec.task} ended ${report.status}: ${report.error?.message}`);
  return report;
}

/** One no-op job: its rate, and the CPU each side spent on it (µs per partition), and the machine's other work (cores busy). */
async function noopOnce(c, partitions) {
  const pids = [c.coordinator.pid, c.agents[0].pid];
  const cpu0 = pids.map(cpuSeconds);
  const m0 = machineCpuSeconds();
  const self0 = process.cpuUsage();
  const load = os.loadavg()[0];
  const r = await job(c, { task: 'noop', partitions });
  if (r.result !== partitions) throw new Error(`noop result ${r.result} ≠ ${partitions}`);
  const [coordinator, agent] = pids.map((pid, i) => cpuSeconds(pid) - cpu0[i]);
  const m1 = machineCpuSeconds();
  const self = process.cpuUsage(self0);
  const wallSeconds = (m1.total - m0.total) / os.availableParallelism();
  const others = m1.busy - m0.busy - coordinator - agent - (self.user + self.system) / 1e6;
  return {
    durationMs: r.durationMs,
    rate: partitions / (r.durationMs / 1000),
    coordinatorCpu: (coordinator * 1e6) / partitions,
    agentCpu: (agent * 1e6) / partitions,
    otherCores: Math.max(0, others / wallSeconds),
    load,
  };
}

/** plain, tls in even repetitions and tls, plain in odd ones: drifting load hits both modes alike. */
const orderOf = (i) => (i % 2 ? [...MODES].reverse() : MODES);

async function interleaved(reps, body) {
  for (let i = 0; i < reps; i++) for (const mode of orderOf(i)) await body(mode, i);
}

const KEYS = { durationMs: 'ms', rate: 'partitions/s', coordinatorCpu: 'µs/partition', agentCpu: 'µs/partition', otherCores: 'cores', load: 'load' };

async function noopRuns(clusters, partitions, reps) {
  const samples = Object.fromEntries(MODES.map((m) => [m, Object.fromEntries(Object.keys(KEYS).map((k) => [k, []]))]));
  for (const m of MODES) await job(clusters[m], { task: 'noop', partitions: 20_000 }); // warm: slots loaded, run time learned
  await interleaved(reps, async (mode) => {
    const r = await noopOnce(clusters[mode], partitions);
    for (const k of Object.keys(KEYS)) samples[mode][k].push(r[k]);
  });
  const out = { partitions, reps };
  for (const m of MODES) out[m] = Object.fromEntries(Object.keys(KEYS).map((k) => [k, summary(samples[m][k], KEYS[k])]));
  out.rateRatio = out.tls.rate.median / out.plain.rate.median;
  out.perRepRatio = summary(
    out.tls.rate.samples.map((r, i) => r / out.plain.rate.samples[i]),
    '×',
  );
  out.coordinatorCpuRatio = out.tls.coordinatorCpu.median / out.plain.coordinatorCpu.median;
  out.agentCpuRatio = out.tls.agentCpu.median / out.plain.agentCpu.median;
  return out;
}

async function efficiencyRuns(two, reps) {
  const one = await startClusters(1);
  try {
    return await efficiencyOn({ 1: one, 2: two }, reps);
  } finally {
    await one.stop();
  }
}

/** T1 on the 1-slot clusters, T2 on the 2-slot ones, each mode in turn. */
async function efficiencyOn(clusters, reps) {
  const { width, msPer1e7, total } = primesRanges(64, 70);
  const spec = { task: 'primes', input: total, partitions: 64 };
  const t = Object.fromEntries(MODES.map((m) => [m, { 1: [], 2: [] }]));
  for (const m of MODES)
    for (const slots of [1, 2]) await job(clusters[slots][m], { task: 'primes', input: { from: 0, to: slots * width }, partitions: slots });
  let result;
  // T1 plain and T1 TLS side by side, then T2 likewise: the two modes' runs of one kind are next to each other in time.
  for (let i = 0; i < reps; i++)
    for (const slots of [1, 2])
      for (const mode of orderOf(i)) {
        const r = await job(clusters[slots][mode], spec);
        if (result !== undefined && r.result !== result) throw new Error(`primes results differ: ${r.result} vs ${result}`);
        result = r.result;
        t[mode][slots].push(r.durationMs);
      }
  const out = { partitions: 64, width, msPer1e7, reps, result };
  for (const m of MODES) {
    const t1 = summary(t[m][1], 'ms');
    const t2 = summary(t[m][2], 'ms');
    out[m] = { t1, t2, efficiency: t1.median / (2 * t2.median), perRep: t[m][1].map((a, i) => a / (2 * t[m][2][i])) };
  }
  out.efficiencyRatio = out.tls.efficiency / out.plain.efficiency;
  out.t2Ratio = out.tls.t2.median / out.plain.t2.median;
  return out;
}

/** One cluster per mode with `slots` thread slots on its one agent. */
async function startClusters(slots) {
  const started = [];
  try {
    for (const m of MODES) started.push(await benchCluster(m === 'tls', [{ name: `${m}-${slots}`, mode: 'threads', slots }]));
  } catch (err) {
    await Promise.all(started.map((c) => c.stop()));
    throw err;
  }
  return { plain: started[0], tls: started[1], stop: () => Promise.all(started.map((c) => c.stop())) };
}

const pct = (r) => `${(r * 100).toFixed(1)}%`;
const n = (x) => Math.round(x).toLocaleString('en-US');

export default {
  name: 'tls',
  target: true,
  async run({ quick, log }) {
    const partitions = 200_000;
    const two = await startClusters(2);
    const out = { method: '', cores: os.availableParallelism(), loadavgAtStart: os.loadavg() };
    try {
      out.noop = await noopRuns(two, partitions, quick ? 4 : 12);
      const { plain, tls } = out.noop;
      log(
        `  (a) no-op ${n(partitions)}: plain ${n(plain.rate.median)}/s, tls ${n(tls.rate.median)}/s = ${pct(out.noop.rateRatio)} (target ≥ 80%; per repetition: median ${pct(out.noop.perRepRatio.median)}, ${pct(out.noop.perRepRatio.min)}–${pct(out.noop.perRepRatio.max)}); coordinator CPU ${plain.coordinatorCpu.median.toFixed(2)} → ${tls.coordinatorCpu.median.toFixed(2)} µs/partition, agent ${plain.agentCpu.median.toFixed(2)} → ${tls.agentCpu.median.toFixed(2)}; other work ${plain.otherCores.median.toFixed(2)} / ${tls.otherCores.median.toFixed(2)} cores`,
      );
      out.primes = await efficiencyRuns(two, quick ? 2 : 5);
      const p = out.primes;
      log(
        `  (b) primes 64 × ~${(p.plain.t1.median / 64).toFixed(0)} ms: efficiency plain ${pct(p.plain.efficiency)}, tls ${pct(p.tls.efficiency)} (T2 ${p.plain.t2.median} → ${p.tls.t2.median} ms, ${p.t2Ratio.toFixed(3)}×)`,
      );
    } finally {
      await two.stop();
    }
    out.loadavgAtEnd = os.loadavg();
    out.method = `One coordinator + one agent with 2 thread slots per mode, ${n(partitions)}-partition noop jobs as target (a) (and 64 primes partitions of ~70 ms on 1 and 2 slots, as target (b)), TLS = --tls auto with the agent and the client pinned by --tls-fingerprint; plain and TLS clusters up side by side, jobs alternating between them (the order flips each repetition)`;
    out.target = TLS_NOOP_TARGET;
    out.pass = out.noop.rateRatio >= TLS_NOOP_TARGET;
    return out;
  },
};
