// Preloaded into a coordinator by the scale suite (NODE_OPTIONS=--require): on SIGUSR2, a full garbage
// collection through node:inspector, then process.memoryUsage() before and after it written as JSON to
// COHORT_BENCH_GC_FILE. A bench instrument only: it tells live memory from garbage V8 has not collected yet.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');

const file = process.env.COHORT_BENCH_GC_FILE;
if (file) {
  const session = new Session();
  session.connect();
  process.on('SIGUSR2', () => {
    const before = process.memoryUsage();
    session.post('HeapProfiler.collectGarbage', () => writeFileSync(file, JSON.stringify({ before, after: process.memoryUsage() })));
  });
}
