/**
 * Issue 13: a job's shared value, end to end over real processes. The SDK
 * uploads a Float64Array once; an auto agent runs `shared-sum` on threads
 * (profile-shared-input, one SharedArrayBuffer) and a processes agent on its
 * own copy; the sum is exact, the report counts both deliveries, and every
 * agent frees the value when the job ends. The CLI's `--shared @FILE` does
 * the same with raw bytes, and a job naming a value never uploaded is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCohort } from '@cohort/cli';
import { connect } from '@cohort/sdk';
import { ErrorCode, type JobReport } from '@cohort/shared';
import { cluster, waitFor } from './helpers/cluster.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('shared job input', () => {
  it('sends one value to each agent: threads share it, processes copy it, and both free it when the job ends', async () => {
    const c = await cluster([
      { name: 'auto-agent', mode: 'auto', slots: 2 },
      { name: 'process-agent', mode: 'processes', slots: 1 },
    ]);
    const n = 1_000_000; // 8 MB of float64
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = i * 0.5;
    const sdk = await connect(c.url, { token: c.token });
    try {
      const job = await sdk.submit<unknown, { sum: number; count: number }>('shared-sum', { to: n }, { partitions: 12, shared: values });
      expect(await job.result()).toEqual({ sum: (0.5 * n * (n - 1)) / 2, count: n });
      const report = (await job.report()) as JobReport;
      expect(report.shared).toMatchObject({ kind: 'float64', bytes: n * 8 });
      expect(report.shared?.hash).toMatch(/^[0-9a-f]{64}$/);
      const delivery = report.shared?.delivery ?? { 'shared-memory': 0, copied: 0 };
      expect(delivery['shared-memory'] + delivery.copied).toBe(12);
      expect(delivery['shared-memory']).toBe(report.modes.thread);
      expect(delivery.copied).toBe(report.modes.process);
      for (const reason of Object.keys(report.modeReasons)) expect(['thread:profile-shared-input', 'process:agent-processes']).toContain(reason);
      // Each agent that ran a partition got the value once and frees it on `release`.
      for (const [i, name] of c.agents.map((a, k) => [k, a.name] as const)) {
        if (!report.agents[name]) continue;
        await waitFor(`${name} frees the shared value`, () => c.agents[i]?.stderrTail().includes('shared value freed'), 10_000);
      }
    } finally {
      await sdk.close();
    }
  });

  it('takes --shared @FILE from the CLI, and refuses a job naming a value it never got', async () => {
    const c = await cluster([{ name: 'auto-agent', mode: 'auto', slots: 2 }]);
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
    let expected = 0;
    for (const b of bytes) expected += b;
    const file = path.join(root, 'input.bin');
    writeFileSync(file, bytes);
    const run = await runCohort(
      ['run', 'shared-sum', '--connect', c.url, '--input', `{"to":${bytes.length}}`, '--partitions', '4', '--shared', `@${file}`, '--json'],
      {
        env: { COHORT_TOKEN: c.token },
        timeoutMs: 60_000,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { result: { sum: number; count: number }; status: string };
    expect(out.status).toBe('succeeded');
    expect(out.result).toEqual({ sum: expected, count: bytes.length });

    const refused = await c.api.submit({ task: 'shared-sum', input: { to: 4 }, partitions: 1, shared: { hash: 'ab'.repeat(32), kind: 'bytes' } }).then(
      () => undefined,
      (err: { code?: string }) => err,
    );
    expect(refused?.code).toBe(ErrorCode.SHARED_NOT_FOUND);
  });
});
