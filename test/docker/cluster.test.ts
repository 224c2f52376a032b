/**
 * Scenario 1: a coordinator and 3 agent containers on a user-defined network
 * compute primes correctly. Each agent is a host of its own (its own hostname
 * and address), reached by the coordinator's network alias, over TLS pinned
 * to the coordinator's `--tls auto` certificate (see harness.ts), and the
 * published port really is TLS only.
 */
import { ApiClient } from '@cohort/cli';
import { describe, expect, it } from 'vitest';
import { cluster, follow, PRIMES_2E9 } from './harness.js';

/** A pin that is not the coordinator's. */
const WRONG_PIN = `sha256:${'0'.repeat(64)}`;

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

    // The suite is on TLS: plain HTTP to the published port is answered 400 TLS_REQUIRED …
    const plain = await fetch(`http://127.0.0.1:${coordinator.port}/healthz`);
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('TLS_REQUIRED');
    // … and a client holding another pin is refused before it sends its token, while the coordinator goes on serving.
    const wrong = new ApiClient({ url: coordinator.url, token: coordinator.token, tls: { fingerprint: WRONG_PIN } });
    await expect(wrong.agents()).rejects.toMatchObject({ code: 'TLS_FAILED' });
    await wrong.close();
    expect((await coordinator.api.agents()).length).toBe(3);
    process.stderr.write(`[scenario 1] primes in ${run.endedAt - run.submittedAt} ms on 3 half-CPU agents: ${JSON.stringify(run.report.agents)}\n`);
  });
});
