/**
 * Hostile review: a trusted task whose split returns a partition input that
 * cannot cross the wire (a cycle). Before, the job was accepted; its assign
 * frame threw while the scheduler was sending, so that job's partitions and
 * every assignment after it in that pass (other jobs' too) stayed "assigned"
 * on agents that never received them. It must be refused with the task's
 * code, and the other jobs must finish right.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpBase, runJob } from '@cohort/cli';
import { ErrorCode, errorAnswer } from '@cohort/shared';
import { PRIMES_1E7, cluster } from '../helpers/cluster.js';

const trusted = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cohort-review-split-')));
afterAll(() => rmSync(trusted, { recursive: true, force: true }));

const CYCLIC_SPLIT = `export default { name: 'cyclic-split', profile: { isolation: 'thread' },
  split: (input, n) => Array.from({ length: n }, (_, i) => { const part = { i }; if (i === 1) part.self = part; return part; }),
  run: (part) => part.i, merge: (results) => results.length };\n`;

describe('a split that returns an input outside the value model', () => {
  it('is refused with 400 BAD_INPUT naming the partition, and a concurrent job finishes right', async () => {
    const file = path.join(trusted, 'cyclic-split.mjs');
    writeFileSync(file, CYCLIC_SPLIT);
    const c = await cluster([{ name: 'a1', mode: 'threads', slots: 2 }], [], { tasksDirs: [trusted] });
    const primes = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 40 });
    const res = await fetch(`${httpBase(c.url)}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task: file, partitions: 8 }),
      signal: AbortSignal.timeout(10_000),
    });
    const error = errorAnswer(await res.json());
    expect(res.status).toBe(400);
    expect(error?.code).toBe(ErrorCode.BAD_INPUT);
    expect(error?.message).toContain('[1]');
    const report = await Promise.race([primes, new Promise<undefined>((r) => setTimeout(() => r(undefined), 60_000))]);
    expect(report?.status).toBe('succeeded');
    expect(report?.result).toBe(PRIMES_1E7.expected);
  });
});
