/**
 * Target (j): Dask distributed beside Cohort, in the same run, on the same
 * topology: 2 workers × 1 thread (LocalCluster, processes, 127.0.0.1, tcp, no
 * dashboard; bench/lib/dask-driver.py) against 2 agents × 1 thread slot.
 *  - no-op tasks/s: N tasks (Dask: client.map + gather; Cohort: one job of N
 *    noop partitions), client-side wall time, median of 3;
 *  - CPU-bound efficiency: 64 partitions of ~70 ms (Cohort: `primes`, sized as
 *    the scheduling suite's; Dask: the same sieve in Python, sized to the same
 *    ~70 ms there), T1 / (2·T2), each side against its own serial baseline (T1:
 *    every partition on one worker: Dask pins them to one worker of the same
 *    cluster, Cohort runs them on a 1-agent × 1-slot cluster);
 *  - SIGSTOP: two tasks of 1 s, one per worker; 250 ms in, the process running
 *    the second gets SIGSTOP; the time until both have finished (the stopped
 *    one's task rerun elsewhere), with a bound. Dask runs twice: at its default
 *    worker TTL (5 min) and with worker-ttl 2s (Cohort's heartbeat timeout).
 * When /usr/bin/python3 cannot import distributed, Cohort's figures are still
 * measured and Dask's say "not available: reason".
 */
import { runJob, startLocalCluster } from '@cohort/cli';
import { daskAvailable, daskRun } from '../lib/dask.mjs';
import { primesRanges } from '../lib/primes.mjs';
import { summary } from '../lib/stats.mjs';

const TASK_MS = 1000;
const STOP_AFTER_MS = 250;
const PRIMES = { partitions: 64, ms: 70 };

async function job(c, spec, extra = {}) {
  const t0 = performance.now();
  const report = await runJob({ url: c.url, token: c.token, ...spec, ...extra });
  if (report.status !== 'succeeded') throw new Error(`job ${spec.task} ended ${report.status}: ${report.error?.message}`);
  return { report, wallMs: performance.now() - t0 };
}

const twoByOne = (label) => Array.from({ length: 2 }, (_, i) => ({ name: `${label}-${i + 1}`, mode: 'threads', slots: 1 }));

/** Cohort: N no-op partitions on 2 agents × 1 slot, client-side wall time (and the coordinator's own duration). */
async function cohortNoop(c, tasks, reps) {
  await job(c, { task: 'noop', partitions: Math.min(tasks, 2000) });
  const rates = [];
  const coordinatorRates = [];
  for (let i = 0; i < reps; i++) {
    const { report, wallMs } = await job(c, { task: 'noop', partitions: tasks });
    if (report.result !== tasks) throw new Error(`noop result ${report.result} ≠ ${tasks}`);
    rates.push(tasks / (wallMs / 1000));
    coordinatorRates.push(tasks / (report.durationMs / 1000));
  }
  return { tasks, rate: summary(rates, 'tasks/s'), coordinatorRate: summary(coordinatorRates, 'tasks/s') };
}

/** Cohort: 64 primes partitions, T1 on 1 agent × 1 slot against T2 on the 2 × 1 cluster, interleaved. */
async function cohortCpu(c2, reps) {
  const { width, total } = primesRanges(PRIMES.partitions, PRIMES.ms);
  const spec = { task: 'primes', input: total, partitions: PRIMES.partitions };
  const c1 = await startLocalCluster({ agents: [{ name: 'peers-serial', mode: 'threads', slots: 1 }] });
  const t1s = [];
  const t2s = [];
  try {
    await job(c1, { task: 'primes', input: { from: 0, to: width }, partitions: 1 });
    await job(c2, { task: 'primes', input: { from: 0, to: 2 * width }, partitions: 2 });
    for (let i = 0; i < reps; i++) {
      const a = await job(c1, spec);
      const b = await job(c2, spec);
      if (a.report.result !== b.report.result) throw new Error('primes results differ');
      t1s.push(a.wallMs);
      t2s.push(b.wallMs);
    }
  } finally {
    await c1.stop();
  }
  return efficiency(t1s, t2s, { width });
}

function efficiency(t1s, t2s, extra) {
  const t1 = summary(t1s, 'ms');
  const t2 = summary(t2s, 'ms');
  return {
    partitions: PRIMES.partitions,
    targetMs: PRIMES.ms,
    ...extra,
    t1,
    t2,
    efficiency: t1.median / (2 * t2.median),
    perRep: t1s.map((a, i) => a / (2 * t2s[i])),
  };
}

/** Cohort: SIGSTOP the agent running the second of two 1-s sleep partitions; time until the job has finished. */
async function cohortSigstop(boundMs) {
  const c = await startLocalCluster({ agents: twoByOne('peers-stop') });
  try {
    await job(c, { task: 'sleep', input: { ms: 10 }, partitions: 4 });
    for (let tryNo = 1; tryNo <= 3; tryNo++) {
      const r = await stopOnce(c, boundMs);
      if (r.victimHadWork || tryNo === 3) return { ...r, tries: tryNo, heartbeatTimeoutMs: 2000 };
    }
  } finally {
    await c.stop();
  }
}

async function stopOnce(c, boundMs) {
  const victim = c.agents[1];
  const events = [];
  let stopAt = 0;
  let timer;
  const run = runJob({
    url: c.url,
    token: c.token,
    task: 'sleep',
    input: { ms: TASK_MS },
    partitions: 2,
    onSubmitted: () => {
      timer = setTimeout(() => {
        stopAt = performance.now();
        victim.kill('SIGSTOP');
      }, STOP_AFTER_MS);
    },
    onCluster: (e) => events.push(e),
  });
  let bound;
  const outcome = await Promise.race([run, new Promise((r) => (bound = setTimeout(() => r(null), boundMs + STOP_AFTER_MS + 5000)))]);
  const endAt = performance.now();
  clearTimeout(bound);
  clearTimeout(timer);
  victim.kill('SIGCONT');
  // The victim had a partition running when stopped: it went back to the queue when the agent was lost.
  const victimHadWork = (outcome?.requeued ?? 0) >= 1;
  const ms = stopAt ? endAt - stopAt : null;
  if (outcome?.status !== 'succeeded' || ms > boundMs) return { rescheduled: false, ms: null, waitedMs: ms, boundMs, taskMs: TASK_MS, victimHadWork };
  const lost = events.find((e) => e.kind === 'agent-lost' && e.agent === victim.name);
  return {
    rescheduled: true,
    ms,
    taskMs: TASK_MS,
    boundMs,
    victimHadWork,
    requeued: outcome.requeued,
    detectedMs: lost ? lost.at - (Date.now() - (performance.now() - stopAt)) : null,
  };
}

/** Dask's three figures, each from its own driver run (its own LocalCluster). */
async function daskFigures({ tasks, reps, effReps, boundS }, log) {
  const noop = await daskRun({ what: 'noop', tasks, reps }, 30_000 + tasks * reps * 20);
  log(`  dask no-op: ${Math.round(summary(noop.rates, '').median)} tasks/s (${tasks} tasks)`);
  const cpu = await daskRun({ what: 'cpu', ...PRIMES, reps: effReps }, 60_000 + effReps * 60_000);
  const sigstop = await daskRun({ what: 'sigstop', taskMs: TASK_MS, boundS }, (boundS + 60) * 1000);
  const sigstopTtl = await daskRun({ what: 'sigstop', taskMs: TASK_MS, boundS, ttl: '2s' }, (boundS + 60) * 1000);
  return {
    noop: { tasks, rate: summary(noop.rates, 'tasks/s') },
    cpu: { ...efficiency(cpu.t1, cpu.t2, { width: cpu.width }), language: 'python' },
    sigstop,
    sigstopTtl,
  };
}

function ratios(cohort, dask) {
  if (!dask.available) return null;
  const stop = (d) => (d.rescheduled && cohort.sigstop.rescheduled ? cohort.sigstop.ms / d.ms : null);
  return {
    noop: cohort.noop.rate.median / dask.noop.rate.median,
    efficiency: cohort.cpu.efficiency / dask.cpu.efficiency,
    // Time ratios: Cohort / Dask, lower is better for Cohort. Not rescheduled within the bound: Cohort / bound is an upper limit.
    sigstop: stop(dask.sigstop),
    sigstopUpper: dask.sigstop.rescheduled ? null : cohort.sigstop.ms / (dask.sigstop.boundS * 1000),
    sigstopTtl: stop(dask.sigstopTtl),
  };
}

export default {
  name: 'peers',
  target: true,
  async run({ quick, log }) {
    const tasks = quick ? 1000 : 5000;
    const reps = 3;
    const effReps = quick ? 1 : 3;
    const boundS = quick ? 20 : 90;
    const c = await startLocalCluster({ agents: twoByOne('peers') });
    const cohort = {};
    try {
      cohort.noop = await cohortNoop(c, tasks, reps);
      log(`  cohort no-op, 2 agents × 1 slot: ${Math.round(cohort.noop.rate.median)} tasks/s (${tasks} tasks, client wall)`);
      cohort.cpu = await cohortCpu(c, effReps);
    } finally {
      await c.stop();
    }
    cohort.sigstop = await cohortSigstop(boundS * 1000);
    log(`  cohort efficiency ${(cohort.cpu.efficiency * 100).toFixed(1)}%; SIGSTOP → finished elsewhere ${cohort.sigstop.ms?.toFixed(0)} ms`);
    const avail = daskAvailable();
    const dask = avail.available ? { ...avail, ...(await daskFigures({ tasks, reps, effReps, boundS }, log)) } : avail;
    if (avail.available)
      log(
        `  dask efficiency ${(dask.cpu.efficiency * 100).toFixed(1)}%; SIGSTOP: ${dask.sigstop.rescheduled ? `${dask.sigstop.ms.toFixed(0)} ms` : `> ${boundS} s, not rescheduled`} (ttl 2s: ${dask.sigstopTtl.rescheduled ? `${dask.sigstopTtl.ms.toFixed(0)} ms` : 'not rescheduled'})`,
      );
    else log(`  dask: ${avail.note}`);
    return {
      method: `2 workers × 1 thread each side, same run: Dask ${avail.version ?? '(absent)'} LocalCluster (processes, 127.0.0.1, tcp, no dashboard) driven by bench/lib/dask-driver.py under /usr/bin/python3; Cohort 2 agents × 1 thread slot on loopback`,
      cohort,
      dask,
      ratios: ratios(cohort, dask),
      boundS,
    };
  },
};
