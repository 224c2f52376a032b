/**
 * The hardware ceiling with no Cohort code at all: `ranges` of primes counted
 * on `threads` plain worker threads that pull indices from a shared counter.
 * Used by bench/ceiling.mjs and the scheduling suite's efficiency target.
 */
import { Worker } from 'node:worker_threads';

const CEILING_WORKER = new URL('./ceiling-worker.mjs', import.meta.url);

/** Wall time (ms) from "go" until every thread has counted its share of `ranges`. */
export async function rawThreads(ranges, threads) {
  const counter = new SharedArrayBuffer(4);
  const ws = Array.from({ length: threads }, () => new Worker(CEILING_WORKER, { workerData: { ranges, counter } }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
  const t0 = performance.now();
  const done = ws.map((w) => new Promise((r) => w.once('message', r)));
  for (const w of ws) w.postMessage('go');
  await Promise.all(done);
  const ms = performance.now() - t0;
  await Promise.all(ws.map((w) => w.terminate()));
  return ms;
}
