/**
 * Scenario 1: a coordinator and 3 agent containers on a user-defined network
 * compute primes correctly. Each agent is a host of its own (its own hostname
 * and address), reached by the coordinator's network alias.
 */
import { describe, expect, it } from 'vitest';
import { cluster, follow, PRIMES_2E9 } from './harness.js';

describe('docker: a coordinator and 3 agent containers', () => {
  it('count the primes below 2·10^9 correctly, each agent on its own host', async () => {
    const { coordinator, agents } = await cluster(3, { cpus: 0.5 });
    const run = await follow(coordinator, PRIMES_2E9);
    expect(run.report.status).toBe('succeeded');
    expect(run.report.result).toBe(PRIMES_2E9.expected);
    expect(run.report.duplicates).toBe(0);
    // Work went to all three containers, and each reported its own host.
    expect(Object.keys(run.report.agents).sort()).toEqual(agents.map((a) => a.name).sort());
    const seen = await coordinator.api.agents();
    expect(new Set(seen.map((a) => a.hardware.hostname)).size).toBe(3);
    process.stderr.write(`[scenario 1] primes in ${run.endedAt - run.submittedAt} ms on 3 half-CPU agents: ${JSON.stringify(run.report.agents)}\n`);
  });
});
