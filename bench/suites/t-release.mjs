/**
 * Target (f), issue 8 item 10: a finished job keeps its report and result,
 * not its partitions. One coordinator and one agent (2 thread slots) run the
 * same big no-op job twice; coordinator RSS is read from /proc after each
 * (after a pause for the GC to settle). The second job must not add what the
 * first one weighed: RSS after job 2 ≤ RSS after job 1 × 1.25. Before the
 * fix, a 2,000,000-partition job left 2.1 GB and a second took it to 3.7 GB.
 */
import { randomBytes } from 'node:crypto';
import { spawnAgent, spawnCoordinator, runJob, stopAll } from '@cohort/cli';
import { MB, rssBytes } from '../lib/proc.mjs';

export const GROWTH_TARGET = 1.25;

export default {
  name: 'release',
  target: true,
  async run({ quick, log }) {
    const partitions = quick ? 500_000 : 2_000_000;
    const token = randomBytes(24).toString('base64url');
    const env = { COHORT_TOKEN: token };
    const coordinator = await spawnCoordinator({ args: ['--host', '127.0.0.1', '--port', '0'], env });
    let agent;
    try {
      agent = await spawnAgent({ name: 'release-agent', args: ['--connect', coordinator.url, '--mode', 'threads', '--slots', '2'], env });
      const idle = rssBytes(coordinator.pid) / MB;
      const after = [];
      const ms = [];
      for (let i = 0; i < 2; i++) {
        const report = await runJob({ url: coordinator.url, token, task: 'noop', partitions });
        if (report.status !== 'succeeded' || report.result !== partitions) throw new Error(`release job ${i + 1}: ${report.status} ${report.result}`);
        ms.push(report.finishedAt - report.startedAt);
        await new Promise((r) => setTimeout(r, 2000));
        after.push(rssBytes(coordinator.pid) / MB);
        log(
          `  job ${i + 1}: ${partitions.toLocaleString('en-US')} no-op partitions in ${ms[i]} ms; coordinator RSS after ${after[i].toFixed(0)} MB (idle ${idle.toFixed(0)} MB)`,
        );
      }
      const growth = after[1] / after[0];
      return { partitions, idleRssMb: idle, afterFirstMb: after[0], afterSecondMb: after[1], growth, runMs: ms, pass: growth <= GROWTH_TARGET };
    } finally {
      await stopAll([agent, coordinator]);
    }
  },
};
