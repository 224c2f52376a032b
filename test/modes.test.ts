/** The right primes answer from agents in each mode, and the mode and reason recorded per partition. */
import { describe, expect, it } from 'vitest';
import { runJob } from '@cohort/cli';
import { PRIMES_1E7, agents, cluster } from './helpers/cluster.js';

describe('a primes job on real agents', () => {
  it('runs on worker threads in threads mode', async () => {
    const c = await cluster(agents(2, 'threads'));
    const report = await runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 24 });
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(PRIMES_1E7.expected);
    expect(report.modes).toEqual({ thread: 24, process: 0 });
    expect(report.modeReasons).toEqual({ 'thread:agent-threads': 24 });
    expect(Object.keys(report.agents).sort()).toEqual(['threads-1', 'threads-2']);
  });

  it('runs in child processes in processes mode', async () => {
    const c = await cluster(agents(2, 'processes'));
    const report = await runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 24 });
    expect(report.result).toBe(PRIMES_1E7.expected);
    expect(report.modes).toEqual({ thread: 0, process: 24 });
    expect(report.modeReasons).toEqual({ 'process:agent-processes': 24 });
  });

  it('lets the task profile decide in auto mode', async () => {
    const c = await cluster(agents(2, 'auto'));
    const report = await runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 24 });
    expect(report.result).toBe(PRIMES_1E7.expected);
    // primes declares isolation 'auto': a CPU-bound pure task, so threads.
    expect(report.modeReasons).toEqual({ 'thread:auto-cpu-pure': 24 });
  });

  it('mixes agents of all three modes in one job', async () => {
    const c = await cluster([
      { name: 't', mode: 'threads', slots: 1 },
      { name: 'p', mode: 'processes', slots: 1 },
      { name: 'a', mode: 'auto', slots: 1 },
    ]);
    const report = await runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 30 });
    expect(report.result).toBe(PRIMES_1E7.expected);
    expect(report.modes.thread + report.modes.process).toBe(30);
    expect(report.attempts).toBe(30);
  });
});
