/**
 * Issue 10: the SDK against a real cluster. `job.results()` yields each
 * partition's result as it is accepted (the first long before the job ends),
 * once per partition, with exact values; `job.result()` gives the merged
 * result, or throws the job's error code.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CohortError, connect, type PartitionResult } from '@cohort/sdk';
import { ErrorCode } from '@cohort/shared';
import { ODD_VALUES } from '@cohort/tasks/odd-value';
import { agents, cluster } from './helpers/cluster.js';

const PARTITION_MS = 300;

describe('the SDK', () => {
  it('streams each result as it is accepted: the first well before the end, every partition once', async () => {
    const c = await cluster(agents(2, 'threads', 8));
    const sdk = await connect(c.url, { token: c.token });
    const t0 = performance.now();
    const job = await sdk.submit<number, number>('sleep', { ms: PARTITION_MS }, { partitions: 100 });
    const seen: Array<PartitionResult<number> & { at: number }> = [];
    for await (const r of job.results()) seen.push({ ...r, at: performance.now() - t0 });
    const merged = await job.result();
    const end = performance.now() - t0;

    // Acceptance 2: the first result within 2x one partition's time, long before the job ends.
    expect(seen[0]!.at).toBeLessThan(2 * PARTITION_MS);
    expect(end).toBeGreaterThan(4 * PARTITION_MS);
    expect(seen.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const r of seen) {
      expect(r.value).toBe(PARTITION_MS);
      expect(r.attempt).toBeGreaterThanOrEqual(1);
      expect(['threads-1', 'threads-2']).toContain(r.agent);
      expect(r.mode).toBe('thread');
    }
    expect(merged).toBe(100 * PARTITION_MS);
  });

  it('gives values exactly (BigInt, Map, Set, Date, typed arrays), per partition and merged', async () => {
    const c = await cluster(agents(1, 'auto', 2));
    const sdk = await connect(c.url, { token: c.token });
    const kinds = ['bigint-70', 'map', 'set', 'date', 'buffer', 'neg-zero', 'undefined-in-object'];
    const job = await sdk.submit<{ kind: string; value: unknown }>('odd-value', { kinds });
    const got = new Map<string, unknown>();
    for await (const r of job.results()) got.set(r.value.kind, r.value.value);
    expect([...got.keys()].sort()).toEqual([...kinds].sort());
    for (const kind of kinds) expect(isDeepStrictEqual(got.get(kind), ODD_VALUES[kind]!()), kind).toBe(true);
    expect(await job.result()).toEqual({ kinds, exact: kinds.map(() => true) });
  });

  it('result() alone works (results are not held); a refused or failed job, or a wrong token, throws its code', async () => {
    const c = await cluster(agents(1, 'threads', 2));
    const sdk = await connect(c.url, { token: c.token });
    const job = await sdk.submit('primes', { from: 0, to: 100_000 }, { partitions: 4 });
    expect(await job.result()).toBe(9592);
    expect(() => job.results()).toThrow(/before awaiting result/);

    const refused = await sdk.submit('prims', {}).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(CohortError);
    expect((refused as CohortError).code).toBe(ErrorCode.UNKNOWN_TASK);

    const poisoned = await sdk.submit('poison', { bad: [1] }, { partitions: 3, maxAttempts: 1 });
    const failure = await poisoned.result().catch((err: unknown) => err);
    expect((failure as CohortError).code).toBe(ErrorCode.PARTITION_FAILED);

    const wrongToken = await connect(c.url, { token: 'wrong' }).catch((e: unknown) => e);
    expect((wrongToken as CohortError).code).toBe(ErrorCode.AUTH_FAILED);
  });
});
