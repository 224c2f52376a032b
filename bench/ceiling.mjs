/**
 * The hardware ceiling for target (b), with no Cohort code at all: the same
 * 64 primes partitions on 1 and on 2 plain worker threads pulling from a
 * shared counter, and the CPU time the coordinator and agent processes use
 * during a 2-slot Cohort run (from /proc). Not part of `npm run bench`.
 *
 *   node bench/ceiling.mjs [reps]
 */
import { startLocalCluster, runJob } from '@cohort/cli';
import { primesRanges } from './lib/primes.mjs';
import { rawThreads } from './lib/raw-threads.mjs';
import { cpuSeconds } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const reps = Number(process.argv[2] ?? 3);
const { ranges, total } = primesRanges(64, 70);
const r1 = [];
const r2 = [];
for (let i = 0; i < reps; i++) {
  r1.push(await rawThreads(ranges, 1));
  r2.push(await rawThreads(ranges, 2));
}
console.log(
  `raw worker threads: T1 ${median(r1).toFixed(0)} ms, T2 ${median(r2).toFixed(0)} ms, efficiency ${((100 * median(r1)) / (2 * median(r2))).toFixed(1)}% (per rep: ${r1.map((a, i) => ((100 * a) / (2 * r2[i])).toFixed(1)).join(', ')})`,
);

const c = await startLocalCluster({ agents: [{ name: 'ceiling', mode: 'threads', slots: 2 }] });
try {
  await runJob({ url: c.url, token: c.token, task: 'primes', input: { from: 0, to: 4000 }, partitions: 4 });
  for (let i = 0; i < reps; i++) {
    const coord0 = cpuSeconds(c.coordinator.pid);
    const agent0 = cpuSeconds(c.agents[0].pid);
    const self0 = process.cpuUsage();
    const r = await runJob({ url: c.url, token: c.token, task: 'primes', input: total, partitions: 64 });
    const self = process.cpuUsage(self0);
    const coord = cpuSeconds(c.coordinator.pid) - coord0;
    const agent = cpuSeconds(c.agents[0].pid) - agent0;
    console.log(
      `cohort 2 slots: ${r.durationMs} ms; CPU s: coordinator ${coord.toFixed(2)}, agent process (main + 2 slot threads) ${agent.toFixed(2)} of ${((2 * r.durationMs) / 1000).toFixed(2)} available, bench client ${((self.user + self.system) / 1e6).toFixed(2)}`,
    );
  }
} finally {
  await c.stop();
}
