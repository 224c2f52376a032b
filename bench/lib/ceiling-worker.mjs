// bench/ceiling.mjs's worker: count primes in the ranges it claims from a shared counter.
import { parentPort, workerData } from 'node:worker_threads';
import { countPrimes } from '@cohort/tasks/internal/prime-sieve';

const { ranges, counter } = workerData;
const next = new Int32Array(counter);
countPrimes(0, 1000);
parentPort.postMessage('ready');
parentPort.once('message', () => {
  let sum = 0;
  for (;;) {
    const i = Atomics.add(next, 0, 1);
    if (i >= ranges.length) break;
    sum += countPrimes(ranges[i].from, ranges[i].to);
  }
  parentPort.postMessage(sum);
});
