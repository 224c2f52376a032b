/**
 * Claim 5: processes give more computing speed, threads more responsiveness.
 * Cohort's SlotPool (the agent's engine) runs a fixed amount of CPU-bound
 * work (`primes` partitions of a measured size) on 1…4 slots of each kind on
 * this machine; speedup = T(1 slot) / T(k slots), same mode, same run.
 * Meanwhile the agent's main thread is watched with monitorEventLoopDelay;
 * for contrast, the same work run inline on the main thread.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { countPrimes } from '@cohort/tasks/internal/prime-sieve';
import { primesRanges } from '../lib/primes.mjs';
import { pool } from '../lib/slots.mjs';
import { summary } from '../lib/stats.mjs';

function eld() {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  // A timer that keeps the loop turning, as heartbeats do on the agent.
  const timer = setInterval(() => {}, 10);
  return () => {
    h.disable();
    clearInterval(timer);
    return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
  };
}

const SLOT_COUNTS = [1, 2, 3, 4];

/** `ranges` on k slots of `mode`, for each k: times and event-loop delays, `reps` times each. */
async function modeRuns(mode, ranges, reps) {
  const time = {};
  const delay = {};
  for (const k of SLOT_COUNTS) {
    const p = await pool(mode, k);
    await p.run('primes', ranges.slice(0, k)); // every slot has loaded the task
    const times = [];
    const delays = [];
    for (let i = 0; i < reps; i++) {
      const stop = eld();
      const t0 = performance.now();
      await p.run('primes', ranges);
      times.push(performance.now() - t0);
      delays.push(stop());
    }
    await p.stop();
    time[k] = summary(times, 'ms');
    delay[k] = {
      p50: summary(
        delays.map((d) => d.p50),
        'ms',
      ),
      p99: summary(
        delays.map((d) => d.p99),
        'ms',
      ),
      max: summary(
        delays.map((d) => d.max),
        'ms',
      ),
    };
  }
  return { time, eld: delay };
}

/** The same work on the main thread: what an agent without slots would do to its heartbeats. */
async function inlineRun(ranges) {
  const stop = eld();
  const t0 = performance.now();
  for (const r of ranges) {
    countPrimes(r.from, r.to);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ms = performance.now() - t0;
  return { ms, eld: stop() };
}

export default {
  name: 'cpu',
  claim: 5,
  async run({ quick, log }) {
    const parts = quick ? 8 : 16;
    const targetMs = quick ? 60 : 70;
    const { ranges, msPer1e7 } = primesRanges(parts, targetMs);
    const out = {
      method: `SlotPool, ${parts} primes partitions of ~${targetMs} ms; speedup vs 1 slot of the same mode`,
      cores: os.availableParallelism(),
      msPer1e7,
      slotCounts: SLOT_COUNTS,
      time: {},
      speedup: {},
      eld: {},
    };
    for (const mode of ['threads', 'processes']) {
      ({ time: out.time[mode], eld: out.eld[mode] } = await modeRuns(mode, ranges, quick ? 1 : 3));
      out.speedup[mode] = Object.fromEntries(SLOT_COUNTS.map((k) => [k, out.time[mode][1].median / out.time[mode][k].median]));
      log(`  ${mode}: ${SLOT_COUNTS.map((k) => `${k}→${out.speedup[mode][k].toFixed(2)}× (eld p99 ${out.eld[mode][k].p99.median.toFixed(1)} ms)`).join(', ')}`);
    }
    out.inline = await inlineRun(ranges);
    log(`  inline on the main thread: ${out.inline.ms.toFixed(0)} ms, eld p99 ${out.inline.eld.p99.toFixed(1)} ms`);
    out.ratios = {
      threadSpeedup2: out.speedup.threads[2],
      processSpeedup2: out.speedup.processes[2],
      threadOverProcessTime2: out.time.threads[2].median / out.time.processes[2].median,
    };
    return out;
  },
};
