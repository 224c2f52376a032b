/**
 * Micro-benchmarks on tinybench: warm-up, then as many samples as fit in the
 * time budget; we report the median latency per operation. Samples are kept
 * in the result file, thinned evenly to at most MAX_KEPT per task
 * (`samplesCount` is the true count).
 */
import { Bench } from 'tinybench';
import { median } from './stats.mjs';

const MAX_KEPT = 1000;

function thin(samples) {
  if (samples.length <= MAX_KEPT) return samples;
  const out = [];
  const step = samples.length / MAX_KEPT;
  for (let i = 0; i < MAX_KEPT; i++) out.push(samples[Math.floor(i * step)]);
  return out;
}

/**
 * tasks: Array<{ name, fn, opsPerCall?, setup?, teardown? }>. Returns one row per task:
 * median/min/max in µs per operation (a call may do `opsPerCall` operations).
 */
export async function micro(tasks, { quick }) {
  const bench = new Bench({ time: quick ? 150 : 500, warmupTime: quick ? 30 : 100, iterations: 5, warmupIterations: 2, retainSamples: true, throws: true });
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();
  const rows = {};
  for (const t of tasks) {
    const task = bench.getTask(t.name);
    const lat = task.result.latency;
    const per = t.opsPerCall ?? 1;
    const samples = lat.samples.map((ms) => (ms * 1000) / per);
    rows[t.name] = {
      unit: 'µs',
      median: (lat.p50 * 1000) / per,
      min: (lat.min * 1000) / per,
      max: (lat.max * 1000) / per,
      p99: (lat.p99 * 1000) / per,
      rme: lat.rme,
      n: lat.samplesCount,
      samplesCount: lat.samplesCount,
      samples: thin(samples),
      check: median(samples),
    };
  }
  return rows;
}
