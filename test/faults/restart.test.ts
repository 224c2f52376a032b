/**
 * Coordinator restart without loss: a 200-partition job survives a SIGKILL of
 * the coordinator at about 50% and finishes with the right result after a
 * restart on the same state directory. Only partitions with no accepted
 * result run again, and the journal proves no partition was accepted twice.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '@cohort/coordinator';
import { agents, cluster, jobWithFault, waitFor } from '../helpers/cluster.js';

async function acceptedFor(dir: string, jobId: string) {
  const audit = await Journal.audit(dir);
  const mine = [...audit.acceptedPerPartition].filter(([key]) => key.startsWith(`${jobId}:`));
  return { partitions: mine.length, twice: audit.duplicates.filter((d) => d.jobId === jobId).length };
}

describe('coordinator restart', () => {
  it('resumes a 200-partition job after SIGKILL at ~50%, re-running only what had no accepted result', async () => {
    const stateDir = mkdtempSync(join(os.tmpdir(), 'cohort-restart-'));
    const c = await cluster(agents(4, 'threads'), ['--state-dir', stateDir]);
    let killed: { jobId: string; done: number } | undefined;
    let reattached = 0;
    const job = jobWithFault(
      c,
      { task: 'sleep', input: { ms: 30 }, partitions: 200 },
      (p) => p.done >= 100,
      (p) => {
        killed = { jobId: p.jobId, done: p.done };
        c.coordinator.kill('SIGKILL');
      },
      { reattachTimeoutMs: 30_000, onReattach: () => reattached++ },
    );
    await waitFor('the coordinator to be killed', () => killed, 30_000);
    expect(await c.coordinator.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const before = await acceptedFor(stateDir, killed!.jobId);
    expect(before.partitions).toBeGreaterThanOrEqual(killed!.done);
    expect(before.twice).toBe(0);

    await c.restartCoordinator();
    const { report } = await job.run;
    expect(reattached).toBeGreaterThan(0);
    expect(report.jobId).toBe(killed!.jobId);
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(200 * 30);
    // Everything accepted before the kill came back from the journal, and nothing else did.
    expect(report.recovered).toBe(before.partitions);
    // After the restart, only partitions with no accepted result were issued (some may be
    // satisfied instead by results the agents held through the outage).
    expect(report.attempts).toBeLessThanOrEqual(200 - before.partitions);
    expect(report.done).toBe(200);
    const after = await acceptedFor(stateDir, killed!.jobId);
    expect(after).toEqual({ partitions: 200, twice: 0 });
    // The agents reconnected by themselves, each after its own jittered backoff (which may outlast the job).
    const live = await waitFor(
      'all 4 agents to reconnect',
      async () => {
        const agents = await c.api.agents();
        return agents.length === 4 ? agents : undefined;
      },
      15_000,
    );
    expect(live).toHaveLength(4);
  });
});
