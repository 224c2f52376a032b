/**
 * Target (d): 1,000 agent sessions (4 generator processes × 250, speaking the
 * real protocol through the shared codec, instant no-op answers; see
 * lib/loadgen.mjs for why not 1,000 SlotPools). The coordinator's CPU, from
 * /proc/<pid>/stat utime+stime over a window at the default heartbeat
 * interval, must stay < 25% of one core, and a noop job must still complete.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, spawnCoordinator, runJob, stopAll } from '@cohort/cli';
import { cpuSeconds, MB, rssBytes } from '../lib/proc.mjs';

const LOADGEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'loadgen.mjs');
export const CPU_TARGET = 0.25;

function generator(url, count, prefix, env) {
  const child = spawn(process.execPath, [LOADGEN, url, String(count), prefix], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const ready = new Promise((resolve, reject) => {
    const check = () => /ready (\d+)/.test(out) && resolve();
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`load generator exited early (${code})`)));
    setTimeout(() => reject(new Error('load generator not ready in 60 s')), 60_000).unref();
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(undefined);
      child.once('exit', () => resolve(JSON.parse(/stats (.*)/.exec(out)?.[1] ?? 'null')));
      child.kill('SIGTERM');
    });
  return { child, ready, stop };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Join `sessions` over `gens` load generators (pushed onto `generators`), then measure the coordinator's CPU over `windowMs` of heartbeats. */
async function heartbeatLoad(coordinator, api, generators, { sessions, gens, env, windowMs }) {
  const idleCpu0 = cpuSeconds(coordinator.pid);
  await sleep(2000);
  const idleCpu = (cpuSeconds(coordinator.pid) - idleCpu0) / 2;
  const t0 = performance.now();
  for (let g = 0; g < gens; g++) generators.push(generator(coordinator.url, sessions / gens, `gen${g}`, env));
  await Promise.all(generators.map((g) => g.ready));
  const connectMs = performance.now() - t0;
  const agents = await api.agents();
  await sleep(1000); // let every session's heartbeat timer start
  const c0 = cpuSeconds(coordinator.pid);
  const w0 = performance.now();
  await sleep(windowMs);
  const heartbeatCpu = (cpuSeconds(coordinator.pid) - c0) / ((performance.now() - w0) / 1000);
  return { agents, connectMs, idleCpu, heartbeatCpu, rssMb: rssBytes(coordinator.pid) / MB };
}

export default {
  name: 'sessions',
  target: true,
  async run({ quick, log }) {
    const sessions = 1000;
    const gens = 4;
    const windowMs = quick ? 10_000 : 20_000;
    const token = randomBytes(24).toString('base64url');
    const env = { COHORT_TOKEN: token };
    const coordinator = await spawnCoordinator({ args: ['--host', '127.0.0.1', '--port', '0'], env });
    const generators = [];
    try {
      const api = new ApiClient({ url: coordinator.url, token });
      const { agents, connectMs, idleCpu, heartbeatCpu, rssMb } = await heartbeatLoad(coordinator, api, generators, { sessions, gens, env, windowMs });
      log(
        `  ${agents.length} sessions joined in ${connectMs.toFixed(0)} ms; coordinator CPU ${(heartbeatCpu * 100).toFixed(1)}% of one core over ${windowMs / 1000} s (idle ${(idleCpu * 100).toFixed(1)}%), RSS ${rssMb.toFixed(0)} MB`,
      );
      // Still schedules: a noop job spread over every session.
      const partitions = 100_000;
      const j0 = cpuSeconds(coordinator.pid);
      const report = await runJob({ url: coordinator.url, token, task: 'noop', partitions });
      const jobCpuSeconds = cpuSeconds(coordinator.pid) - j0;
      const after = await api.agents();
      const stats = await Promise.all(generators.map((g) => g.stop()));
      const served = stats.filter(Boolean).map((s) => s.partitions);
      const out = {
        sessions: agents.length,
        generators: gens,
        client: 'minimal protocol client (lib/loadgen.mjs): real hello/heartbeat/results via @cohort/shared codec; no SlotPool',
        windowMs,
        connectMs,
        heartbeatMs: 500,
        idleCpuPercent: idleCpu * 100,
        cpuPercent: heartbeatCpu * 100,
        rssMb,
        job: {
          partitions,
          status: report.status,
          correct: report.result === partitions,
          durationMs: report.durationMs,
          rate: partitions / (report.durationMs / 1000),
          cpuSeconds: jobCpuSeconds,
          agentsUsed: Object.keys(report.agents).length,
        },
        sessionsAfterJob: after.length,
        generatorStats: stats,
        busiestSessionShare: Math.max(...served) / partitions,
        target: CPU_TARGET * 100,
        pass: heartbeatCpu < CPU_TARGET && report.status === 'succeeded' && report.result === partitions && after.length === agents.length,
      };
      log(
        `  noop job of ${partitions.toLocaleString('en-US')} over ${out.job.agentsUsed} sessions: ${report.status}, ${report.durationMs} ms; ${out.sessionsAfterJob} sessions still joined`,
      );
      return out;
    } finally {
      await Promise.all(generators.map((g) => g.stop()));
      await stopAll([coordinator]);
    }
  },
};
