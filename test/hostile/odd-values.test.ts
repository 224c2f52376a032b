/**
 * Odd values through a real cluster, in both slot modes: every value the
 * model carries comes back exactly (the `odd-value` merge rebuilds each one
 * and compares with isDeepStrictEqual), and every value it refuses fails only
 * its own attempt with RESULT_NOT_SERIALIZABLE or RESULT_TOO_LARGE. The agent
 * never dies of a value (same pid, same session, no reconnect), and a
 * concurrent primes job gets the right answer.
 */
import { describe, expect, it } from 'vitest';
import { runJob } from '@cohort/cli';
import { failedAttempts, partitionFailure, type AgentInfo } from '@cohort/shared';
import { oddValueMerged } from '@cohort/tasks/odd-value';
import { PRIMES_1E7, cluster } from '../helpers/cluster.js';

const SEED = Number(process.env.FC_SEED ?? 42);

const EXACT = [
  'null',
  'undefined',
  'nan',
  'neg-zero',
  'infinity',
  'bigint-64',
  'bigint-70',
  'bigint-4096',
  'date',
  'map',
  'set',
  'buffer',
  'uint8array',
  'float64array',
  'int32array',
  'bigint64array',
  'arraybuffer',
  'dataview',
  'undefined-in-array',
  'undefined-in-object',
  'nested',
];
/** Kind → the code its attempt must fail with. */
const REFUSED: Array<[string, string]> = [
  ['cyclic-array', 'RESULT_NOT_SERIALIZABLE'],
  ['keys-70000', 'RESULT_NOT_SERIALIZABLE'],
  ['function', 'RESULT_NOT_SERIALIZABLE'],
  ['class-instance', 'RESULT_NOT_SERIALIZABLE'],
  ['deep-2000', 'RESULT_NOT_SERIALIZABLE'],
  ['huge-70mb', 'RESULT_TOO_LARGE'],
];

type Cluster = Awaited<ReturnType<typeof cluster>>;

/** Jobs of the odd-value task on cluster `c`. */
function oddValues(c: Cluster, input: unknown, extra: Record<string, unknown> = {}) {
  return runJob({ url: c.url, token: c.token, task: 'odd-value', input, partitions: 1, ...extra });
}

async function agentRows(c: Cluster): Promise<AgentInfo[]> {
  return c.api.agents();
}

async function exactKinds(c: Cluster): Promise<void> {
  const r = await oddValues(c, { kinds: EXACT });
  expect(r.status).toBe('succeeded');
  const result = oddValueMerged(r.result);
  expect(result?.kinds).toEqual(EXACT);
  expect(EXACT.filter((_, i) => !result?.exact[i])).toEqual([]);
}

async function randomKinds(c: Cluster): Promise<void> {
  const kinds = Array.from({ length: 100 }, (_, i) => `random:${SEED + i}`);
  const r = await oddValues(c, { kinds });
  expect(r.status, `FC_SEED=${SEED}`).toBe('succeeded');
  const exact = oddValueMerged(r.result)?.exact;
  expect(
    kinds.filter((_, i) => !exact?.[i]),
    `FC_SEED=${SEED}`,
  ).toEqual([]);
}

async function refusedKinds(c: Cluster): Promise<void> {
  const primes = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 8 });
  const refused = await Promise.all(REFUSED.map(([kind]) => oddValues(c, { kinds: ['null', kind, 'map'] }, { maxAttempts: 1 })));
  for (const [i, [kind, code]] of REFUSED.entries()) {
    const r = refused[i]!;
    expect(r.status, kind).toBe('failed');
    expect(r.error?.code, kind).toBe('PARTITION_FAILED');
    expect(partitionFailure(r.error)?.partition, kind).toBe(1);
    expect(
      failedAttempts(r.error).map((a) => a.code),
      kind,
    ).toEqual([code]);
  }
  const good = await primes;
  expect(good.status).toBe('succeeded');
  expect(good.result).toBe(PRIMES_1E7.expected);
}

describe('odd values', () => {
  it.each(['threads', 'processes'] as const)(
    'through %s slots: exact or refused with a code, that attempt only; the agent lives on',
    async (mode) => {
      const c = await cluster([{ name: `${mode}-1`, mode, slots: 2 }]);
      const before = await agentRows(c);
      expect(before).toHaveLength(1);
      await exactKinds(c);
      await randomKinds(c);
      await refusedKinds(c);
      // The agent never died of a value: the same process, the same session, no reconnect.
      const agent = c.agents[0]!;
      expect(agent.child.exitCode).toBeNull();
      expect(() => process.kill(agent.pid, 0)).not.toThrow();
      const after = await agentRows(c);
      expect(after.map((a) => [a.agentId, a.state])).toEqual(before.map((a) => [a.agentId, 'ready']));
      expect(agent.stdout().match(/ joined /g)).toHaveLength(1);
      // And it still works.
      const again = await oddValues(c, { kinds: ['bigint-70', 'float64array'] });
      expect(again.result).toEqual({ kinds: ['bigint-70', 'float64array'], exact: [true, true] });
    },
    120_000,
  );
});
