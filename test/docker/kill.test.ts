/**
 * Scenario 2: `docker kill` of one agent container mid-job. The coordinator
 * sees the socket close, requeues what the agent held, and the answer is
 * still right.
 */
import { describe, expect, it } from 'vitest';
import { cluster, docker, followWithKill, PRIMES_2E9 } from './harness.js';

describe('docker: kill an agent container mid-job', () => {
  it('still counts the primes correctly', async () => {
    const { coordinator, agents } = await cluster(3, { cpus: 0.5 });
    const victim = agents[1]!;
    const { run, fault, lost } = await followWithKill(coordinator, PRIMES_2E9, victim);
    expect(run.report.status).toBe('succeeded');
    expect(run.report.result).toBe(PRIMES_2E9.expected);
    expect(lost?.reason).toBe('closed');
    expect(await docker('inspect', '-f', '{{.State.Status}} {{.RestartCount}}', victim.id)).toBe('exited 0');
    process.stderr.write(
      `[scenario 2] killed ${victim.name} at ${fault.at - run.submittedAt} ms; lost (${lost?.reason}) after ${lost!.at - fault.at} ms, ` +
        `requeued ${lost?.requeued}; job ${run.endedAt - run.submittedAt} ms, attempts ${run.report.attempts}/${run.report.partitions}\n`,
    );
  });
});
