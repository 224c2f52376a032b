/**
 * Heartbeats come from the agent's main thread, which never runs task code:
 * with every core saturated by task work for 60 s, no agent is declared dead.
 */
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { runJob } from '@cohort/cli';
import type { ClusterEvent } from '@cohort/shared';
import { cluster } from '../helpers/cluster.js';

const SATURATE_MS = 60_000;

describe('heartbeats under CPU saturation', () => {
  it(`declares no agent dead while all cores are busy for ${SATURATE_MS / 1000} s`, { timeout: SATURATE_MS + 60_000 }, async () => {
    const cpus = os.availableParallelism();
    // Twice as many busy slots as cores, in both runtimes.
    const c = await cluster([
      { name: 'busy-threads', mode: 'threads', slots: cpus },
      { name: 'busy-processes', mode: 'processes', slots: cpus },
    ]);
    const slots = 2 * cpus;
    const perPartitionMs = 2_000;
    const partitions = Math.ceil((SATURATE_MS * slots) / perPartitionMs);
    const events: ClusterEvent[] = [];
    const report = await runJob({
      url: c.url,
      token: c.token,
      task: 'sleep',
      input: { ms: perPartitionMs, busy: true },
      partitions,
      onCluster: (e) => events.push(e),
    });
    expect(report.status).toBe('succeeded');
    expect(report.durationMs).toBeGreaterThanOrEqual(SATURATE_MS * 0.9);
    expect(events.filter((e) => e.kind === 'agent-lost')).toEqual([]);
    expect(report.requeued).toBe(0);
    expect(report.attempts).toBe(partitions);
    const agents = await c.api.agents();
    expect(agents.map((a) => a.state)).toEqual(['ready', 'ready']);
  });
});
