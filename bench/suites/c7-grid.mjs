/**
 * Claim 7: the two perform "extremely similarly, depending on the
 * application". A grid of partition run time × payload size, each cell run
 * on Cohort's SlotPool with 2 thread slots and with 2 process slots; the
 * figure is throughput (partitions/s) and the thread/process ratio. Where
 * the ratio is near 1, processes have caught up.
 */
import { randomBytes } from 'node:crypto';
import { pool, TASK_WORK } from '../lib/slots.mjs';
import { summary } from '../lib/stats.mjs';

const SLOTS = 2;
/** The most input bytes alive at once in one cell. */
const MAX_BYTES = 256 * 1024 * 1024;

function cellInputs(us, bytes, budgetMs) {
  // Enough partitions for about `budgetMs` of ideal work on 2 slots, bounded by count and bytes.
  const perPart = Math.max(us / 1000, 0.01 + bytes / 2e8);
  let n = Math.round((budgetMs * SLOTS) / perPart);
  n = Math.max(16, Math.min(n, 20_000, bytes > 0 ? Math.floor(MAX_BYTES / bytes) : Infinity));
  return Array.from({ length: n }, () => (bytes > 0 ? { us, payload: randomBytes(bytes) } : { us }));
}

export default {
  name: 'grid',
  claim: 7,
  async run({ quick, log }) {
    const runUs = quick ? [0, 1000, 10_000] : [0, 100, 1000, 10_000];
    const sizes = quick ? [0, 65536, 1048576] : [0, 1024, 65536, 1048576];
    const reps = quick ? 1 : 3;
    const budgetMs = quick ? 250 : 600;
    const out = { method: `SlotPool, ${SLOTS} slots, bench-work task (spin us, payload as partition input)`, runUs, sizes, cells: [] };
    const pools = { threads: await pool('threads', SLOTS), processes: await pool('processes', SLOTS) };
    try {
      for (const us of runUs) {
        for (const bytes of sizes) {
          const inputs = cellInputs(us, bytes, budgetMs);
          const rate = {};
          for (const mode of ['threads', 'processes']) {
            await pools[mode].run(TASK_WORK, inputs.slice(0, 8)); // warm: task loaded, run time learned
            const samples = [];
            for (let i = 0; i < reps; i++) {
              const t0 = performance.now();
              await pools[mode].run(TASK_WORK, inputs);
              samples.push(inputs.length / ((performance.now() - t0) / 1000));
            }
            rate[mode] = summary(samples, 'partitions/s');
          }
          const ratio = rate.threads.median / rate.processes.median;
          out.cells.push({ us, bytes, partitions: inputs.length, threads: rate.threads, processes: rate.processes, ratio });
          log(
            `  run ${us} µs × payload ${bytes} B: threads ${Math.round(rate.threads.median)}/s, processes ${Math.round(rate.processes.median)}/s, ratio ${ratio.toFixed(2)}`,
          );
        }
      }
    } finally {
      await Promise.all(Object.values(pools).map((p) => p.stop()));
    }
    return out;
  },
};
