/**
 * A hung agent (SIGSTOP: socket open, process silent) is declared dead by
 * missed heartbeats, its partitions run elsewhere within 2.5 s, and after
 * SIGCONT it re-joins as a new session whose late results are counted as
 * duplicates, never merged twice.
 */
import { setTimeout } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { agents, cluster, jobWithFault, waitFor } from '../helpers/cluster.js';

/**
 * Enough work that the job is still running when the resumed agent's late
 * results arrive (after detection, a pause, SIGCONT and a re-join): a result
 * for a job that has already ended is dropped as stale, not counted as a duplicate.
 */
const PARTITIONS = 60;
/** Five times a partition's run: the requeued copies are done by then. */
const REQUEUED_DONE_MS = 1000;

describe('hung agent', () => {
  it('is declared dead within the heartbeat timeout, its work requeued, and its late results deduplicated', async () => {
    const c = await cluster(agents(3, 'threads'));
    const victim = c.agents[2]!;
    let stoppedAt = 0;
    const fault = jobWithFault(
      c,
      { task: 'sleep', input: { ms: 200 }, partitions: PARTITIONS },
      (p) => p.done >= 6,
      () => {
        stoppedAt = Date.now();
        victim.kill('SIGSTOP');
      },
    );
    await waitFor('the hung agent to be declared dead', () => fault.lost().length > 0, 10_000);
    const lost = fault.lost();
    const detectedMs = lost[0]!.receivedAt - stoppedAt;
    expect(lost[0]).toMatchObject({ agent: victim.name, reason: 'timeout' });
    expect(lost[0]!.requeued).toBeGreaterThan(0);
    // Default heartbeat timeout is 2000 ms; requeued partitions go to the front of the queue at once.
    expect(detectedMs).toBeLessThanOrEqual(2500);
    const live = await c.api.agents();
    const survivors = c.agents.filter((a) => a !== victim).map((a) => a.name);
    expect(live.map((a) => a.name).sort()).toEqual(survivors.sort());

    // Let the requeued copies (200 ms each, first in the queue) finish elsewhere before the hung agent resumes: its
    // late results then answer partitions already done, and are counted as duplicates. Resumed sooner, a late result
    // can win the race instead (the first result counts, and the other copy is cancelled): correct, but no duplicate.
    await setTimeout(REQUEUED_DONE_MS);
    victim.kill('SIGCONT');
    const { report } = await fault.run;
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(PARTITIONS * 200);
    const rejoined = await waitFor(
      'the resumed agent to re-join as a new session',
      async () => {
        const now = await c.api.agents();
        return now.find((a) => a.name === victim.name);
      },
      10_000,
    );
    expect(rejoined.agentId).not.toBe(victim.sessionId);
    // Its stale partitions finished after SIGCONT and were reported in the new session: counted, not merged.
    const final = await waitFor(
      'late results to be counted',
      async () => {
        const r = await c.api.report(report.jobId);
        return r.duplicates > 0 ? r : undefined;
      },
      5_000,
    );
    expect(final.result).toBe(PARTITIONS * 200);
  });
});
