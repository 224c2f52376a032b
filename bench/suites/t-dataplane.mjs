/**
 * Target (k): the data plane. Partitions with 1 MB binary inputs and 1 MB
 * binary results (bench/tasks/echo-bytes.mjs: the result is a copy of the
 * input with 8 bytes changed) through a real coordinator and one agent
 * (2 thread slots) on loopback: MB/s end to end = (bytes in + bytes out) /
 * client wall time from submit to the merged result. Against a raw `ws` echo
 * over loopback in the same run (lib/ws-echo.mjs: a server process echoing
 * 1 MB binary messages, the same total bytes, `WINDOW` in flight), the
 * repetitions interleaved. Target: ≥ 50% of the raw echo.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob, startLocalCluster } from '@cohort/cli';
import { cpuSeconds } from '../lib/proc.mjs';
import { summary } from '../lib/stats.mjs';
import { echoRun, startEchoServer } from '../lib/ws-echo.mjs';

const TASKS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'tasks');
export const DATAPLANE_TARGET = 0.5;
const BYTES = 1024 * 1024;
/** Messages in flight for the raw echo: what 2 slots plus the agent's default prefetch keep busy. */
const WINDOW = 8;
const MBps = (count, ms) => (2 * count * BYTES) / 2 ** 20 / (ms / 1000);

async function cohortRun(c, count) {
  const pids = [c.coordinator.pid, c.agents[0].pid];
  const cpu0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  const report = await runJob({ url: c.url, token: c.token, task: 'echo-bytes.mjs', input: { bytes: BYTES }, partitions: count });
  const ms = performance.now() - t0;
  const cpu = pids.map((p, i) => cpuSeconds(p) - cpu0[i]);
  const r = report.result;
  if (report.status !== 'succeeded' || r?.count !== count || r.bytes !== count * BYTES)
    throw new Error(`echo-bytes job: ${report.status} ${JSON.stringify(r)}`);
  return { ms, coordinatorCpuS: cpu[0], agentCpuS: cpu[1] };
}

export default {
  name: 'dataplane',
  target: true,
  async run({ quick, log }) {
    const count = quick ? 64 : 256;
    const reps = quick ? 2 : 3;
    const c = await startLocalCluster({ agents: [{ name: 'dataplane', mode: 'threads', slots: 2 }], tasksDirs: [TASKS_DIR] });
    const echo = await startEchoServer();
    const runs = { cohort: [], echo: [], coordinatorCpuS: [], agentCpuS: [] };
    try {
      await cohortRun(c, 8); // warm: the task is loaded in both slots
      await echoRun(echo.port, { count: 8, bytes: BYTES, window: WINDOW });
      for (let i = 0; i < reps; i++) {
        const r = await cohortRun(c, count);
        runs.cohort.push(MBps(count, r.ms));
        runs.coordinatorCpuS.push(r.coordinatorCpuS);
        runs.agentCpuS.push(r.agentCpuS);
        runs.echo.push(MBps(count, await echoRun(echo.port, { count, bytes: BYTES, window: WINDOW })));
      }
    } finally {
      await Promise.all([c.stop(), echo.stop()]);
    }
    const cohort = summary(runs.cohort, 'MB/s');
    const raw = summary(runs.echo, 'MB/s');
    const ratio = cohort.median / raw.median;
    log(
      `  ${count} × 1 MB in + 1 MB out: Cohort ${cohort.median.toFixed(0)} MB/s, raw ws echo ${raw.median.toFixed(0)} MB/s: ${(ratio * 100).toFixed(0)}% (target ≥ 50%)`,
    );
    return {
      method: `${count} partitions × 1 MiB binary in and 1 MiB binary out (bench/tasks/echo-bytes.mjs), 1 coordinator + 1 agent × 2 thread slots on loopback, client wall time from submit to the merged result; raw \`ws\` echo in a server process, ${count} × 1 MiB, ${WINDOW} in flight; ${reps} interleaved repetitions`,
      partitions: count,
      bytes: BYTES,
      window: WINDOW,
      cohort,
      echo: raw,
      perRep: runs.cohort.map((x, i) => x / runs.echo[i]),
      coordinatorCpuMsPerMB: summary(
        runs.coordinatorCpuS.map((s) => (s * 1000) / (2 * count)),
        'ms/MB',
      ),
      agentCpuMsPerMB: summary(
        runs.agentCpuS.map((s) => (s * 1000) / (2 * count)),
        'ms/MB',
      ),
      ratio,
      target: DATAPLANE_TARGET,
      pass: ratio >= DATAPLANE_TARGET,
    };
  },
};
