/** SIGTERM drains: an agent stops taking work, finishes what it has and exits 0; a coordinator stops cleanly. */
import { describe, expect, it } from 'vitest';
import { agents, cluster, jobWithFault, waitFor } from '../helpers/cluster.js';

describe('graceful drain', () => {
  it('lets a SIGTERMed agent finish its partitions, take no new ones, and exit 0', async () => {
    const c = await cluster(agents(2, 'threads'));
    const leaving = c.agents[0]!;
    let _termAt = -1;
    const fault = jobWithFault(
      c,
      { task: 'sleep', input: { ms: 300 }, partitions: 12 },
      (p) => p.done >= 2,
      (p) => {
        _termAt = p.done;
        leaving.kill('SIGTERM');
      },
    );
    const { report } = await fault.run;
    const lost = fault.lost();
    expect(report.result).toBe(12 * 300);
    expect(await leaving.exited).toEqual({ code: 0, signal: null });
    expect(lost).toMatchObject([{ agent: leaving.name, reason: 'left', requeued: 0 }]);
    expect(report.requeued).toBe(0);
    expect(report.attempts).toBe(12);
  });

  it('stops a SIGTERMed coordinator with exit 0', async () => {
    const c = await cluster(agents(1, 'threads'));
    c.coordinator.kill('SIGTERM');
    expect(await c.coordinator.exited).toEqual({ code: 0, signal: null });
    // The agent notices the close (SHUTTING_DOWN, 4007) and keeps trying to reconnect rather than dying.
    const agent = c.agents[0]!;
    await waitFor('the agent to log its reconnect', () => agent.stderrTail().includes('link closed; reconnecting') || undefined, 5_000);
    expect(agent.stderrTail()).toContain('"code":4007');
    expect(agent.child.exitCode).toBeNull();
  });
});
