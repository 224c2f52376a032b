/**
 * Submit a job from a program, print each partition's result as the
 * coordinator accepts it, then the merged result.
 *
 *   COHORT_URL=ws://127.0.0.1:7070 COHORT_TOKEN=… node examples/stream-results/main.mjs [TO]
 */
import { fileURLToPath } from 'node:url';
import { CohortError, connect } from '@cohort/sdk';

const url = process.env.COHORT_URL ?? 'ws://127.0.0.1:7070';
const to = Number(process.argv[2] ?? 1_000_000);
const partitions = 12;
// The task file beside this program, by absolute path: the SDK bundles and uploads it.
const task = fileURLToPath(new URL('./task.ts', import.meta.url));

const cluster = await connect(url, { token: process.env.COHORT_TOKEN });
try {
  const started = performance.now();
  const job = await cluster.submit(task, { from: 1, to }, { partitions });
  console.log(`job ${job.id}: the longest Collatz chain below ${to}, in ${partitions} partitions`);
  for await (const r of job.results()) {
    const at = Math.round(performance.now() - started);
    console.log(
      `${String(at).padStart(6)} ms  partition ${String(r.index).padStart(2)}: start ${r.value.start}, ${r.value.steps} steps` +
        `  (attempt ${r.attempt} on ${r.agent}, ${r.mode}, ${Math.round(r.ms)} ms)`,
    );
  }
  const best = await job.result();
  console.log(`merged: ${best.start} takes ${best.steps} steps (${Math.round(performance.now() - started)} ms)`);
} catch (err) {
  if (!(err instanceof CohortError)) throw err;
  console.error(`${err.code}: ${err.message}`);
  process.exitCode = 1;
} finally {
  await cluster.close();
}
