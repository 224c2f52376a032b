/**
 * A partition that kills its slot takes down only that slot: the agent
 * respawns it, reports the crash with evidence, and the coordinator retries
 * the partition. In auto mode a task that crashed a thread slot runs in
 * processes from then on, and the report says so.
 */
import { describe, expect, it } from 'vitest';
import { runJob } from '@cohort/cli';
import type { ClusterEvent } from '@cohort/shared';
import { agents, cluster } from '../helpers/cluster.js';

const CRASHES = [
  { how: 'exit', modes: ['threads', 'processes'] },
  { how: 'throw-timer', modes: ['threads', 'processes'] },
  { how: 'oom', modes: ['threads', 'processes'] },
  // process.abort() is refused inside a worker thread (ERR_WORKER_UNSUPPORTED_OPERATION): only a process can abort.
  { how: 'abort', modes: ['processes'] },
] as const;

describe('slot crashes', () => {
  for (const { how, modes } of CRASHES) {
    for (const mode of modes) {
      it(`survives ${how} in ${mode} mode and retries the partition`, async () => {
        const c = await cluster(agents(2, mode).map((a) => ({ ...a, extraArgs: ['--heap-limit-mb', '64'] })));
        const report = await runJob({
          url: c.url,
          token: c.token,
          task: 'crash',
          input: { how, partitions: [2, 5], attempts: 1, value: 1 },
          partitions: 8,
        });
        expect(report.status).toBe('succeeded');
        expect(report.result).toBe(8);
        expect(report.attempts).toBe(10);
        expect(report.requeued).toBe(2);
        // The agents survived: both are still connected under their first sessions.
        const live = await c.api.agents();
        expect(live.map((a) => a.agentId).sort()).toEqual(c.agents.map((a) => a.sessionId).sort());
        expect(live.reduce((n, a) => n + a.failed, 0)).toBe(2);
      });
    }
  }

  it('escalates a task that crashed a thread slot to processes in auto mode, and says so', async () => {
    const c = await cluster(agents(1, 'auto'));
    const events: ClusterEvent[] = [];
    const report = await runJob({
      url: c.url,
      token: c.token,
      task: 'crash',
      input: { how: 'exit', partitions: [0], attempts: 1 },
      partitions: 6,
      onCluster: (e) => events.push(e),
    });
    expect(report.result).toBe(6);
    expect(events.filter((e) => e.kind === 'mode-escalated')).toMatchObject([{ task: 'crash', mode: 'process', evidence: 'SLOT_CRASHED' }]);
    expect(report.modeReasons['process:escalated-after-crash']).toBeGreaterThan(0);
    const live = await c.api.agents();
    expect(live[0]!.escalated).toEqual({ crash: 'process' });
  });
});
