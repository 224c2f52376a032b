/** SIGKILL of an agent mid-job: its partitions run elsewhere and the answer is still right. */
import { describe, expect, it } from 'vitest';
import { PRIMES_2E8, agents, cluster, jobWithFault } from './helpers/cluster.js';

describe('agent loss', () => {
  it('gives the right primes count after one agent is SIGKILLed mid-job', async () => {
    const c = await cluster(agents(3, 'auto'));
    const victim = c.agents[1]!;
    let killedAtDone = -1;
    const fault = jobWithFault(
      c,
      { task: 'primes', input: PRIMES_2E8.input, partitions: 60 },
      (p) => p.done >= 0.3 * p.total && p.done < p.total,
      (p) => {
        killedAtDone = p.done;
        victim.kill('SIGKILL');
      },
    );
    const { report } = await fault.run;
    const lost = fault.lost();
    expect(killedAtDone).toBeGreaterThan(0);
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(PRIMES_2E8.expected);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ agent: victim.name, reason: 'closed' });
    // Every partition the victim held went back and ran again elsewhere.
    expect(report.requeued).toBe(lost[0]!.requeued);
    expect(report.attempts).toBe(report.partitions + report.requeued);
    expect(report.duplicates).toBe(0);
  });

  it('finishes on the survivors when an agent dies holding work, with no agent left idle', async () => {
    // sleep partitions make the kill land mid-job deterministically.
    const c = await cluster(agents(2, 'threads', 2));
    const victim = c.agents[0]!;
    const { report } = await jobWithFault(
      c,
      { task: 'sleep', input: { ms: 100 }, partitions: 24 },
      (p) => p.done >= 4,
      () => victim.kill('SIGKILL'),
    ).run;
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(2400);
    expect(report.requeued).toBeGreaterThan(0);
    expect(report.agents[c.agents[1]!.name]!.partitions).toBeGreaterThanOrEqual(24 - 4 - 4);
  });
});
