import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, loadTask, type RunContext, type TaskModule } from '@cohort/shared';
import { builtinTasks } from './builtins.js';
import crash from './crash.js';
import flaky from './flaky.js';
import hang from './hang.js';
import hash from './hash.js';
import { BUILTIN_TASKS } from './index.js';
import noop from './noop.js';
import pi from './pi.js';
import poison from './poison.js';
import oddValue from './odd-value.js';
import primes, { PRIME_COUNTS } from './primes.js';
import sharedSum from './shared-sum.js';
import sleep from './sleep.js';
import slow from './slow.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const ctx = (partition: number, attempt = 1): RunContext => ({ jobId: 'job-test', partition, attempt, mode: 'thread' });

/** Split, run every partition in order with attempt 1, and merge, all in-process. */
async function runJob<J>(task: TaskModule<unknown, unknown, unknown, J>, input: unknown, n: number): Promise<J> {
  const parts = task.split(input, n);
  const results: unknown[] = [];
  for (let i = 0; i < parts.length; i++) results.push(await task.run(parts[i], ctx(i)));
  return task.merge(results);
}

function isPrime(x: number): boolean {
  if (x < 2) return false;
  for (let d = 2; d * d <= x; d++) if (x % d === 0) return false;
  return true;
}

describe('primes', () => {
  it('counts the primes below 10^6 over 7 partitions', async () => {
    expect(primes.split({ from: 0, to: 1_000_000 }, 7)).toHaveLength(7);
    expect(await runJob(primes, { from: 0, to: 1_000_000 }, 7)).toBe(78_498);
  });

  it('agrees with PRIME_COUNTS up to 10^7', () => {
    for (const { from, to, count } of PRIME_COUNTS.filter((c) => c.to <= 10_000_000)) {
      expect(primes.run({ from, to }, ctx(0))).toBe(count);
    }
  });

  it('agrees with trial division on awkward ranges', () => {
    const ranges: Array<[number, number]> = [
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [2, 3],
      [3, 4],
      [4, 5],
      [1, 200],
      [97, 98],
      [131_000, 263_000],
      [2 ** 31 - 2_000, 2 ** 31],
    ];
    for (const [from, to] of ranges) {
      let expected = 0;
      for (let x = from; x < to; x++) if (isPrime(x)) expected++;
      expect(primes.run({ from, to }, ctx(0)), `[${from}, ${to})`).toBe(expected);
    }
  });

  it('clamps the partition count to the size of the range', () => {
    expect(primes.split({ from: 10, to: 13 }, 8)).toEqual([
      { from: 10, to: 11 },
      { from: 11, to: 12 },
      { from: 12, to: 13 },
    ]);
    expect(primes.split({ from: 5, to: 5 }, 4)).toEqual([{ from: 5, to: 5 }]);
  });

  it('rejects bad input with BAD_INPUT', () => {
    for (const input of [
      undefined,
      null,
      7,
      [],
      {},
      { from: 0 },
      { from: -1, to: 10 },
      { from: 10, to: 5 },
      { from: 0, to: 2 ** 31 + 1 },
      { from: 0.5, to: 10 },
      { from: '0', to: 10 },
    ]) {
      expect(
        codeOf(() => primes.split(input, 4)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
    for (const n of [0, -1, 1.5, Number.NaN]) expect(codeOf(() => primes.split({ from: 0, to: 10 }, n))).toBe(ErrorCode.BAD_INPUT);
  });
});

describe('noop', () => {
  it('returns the number of partitions run, with null partition inputs', async () => {
    expect(noop.split(undefined, 3)).toEqual([null, null, null]);
    for (const input of [undefined, null, {}]) expect(await runJob(noop, input, 5)).toBe(5);
  });

  it('rejects a non-object input with BAD_INPUT', () => {
    expect(codeOf(() => noop.split('x', 2))).toBe(ErrorCode.BAD_INPUT);
    expect(codeOf(() => noop.split({}, 0))).toBe(ErrorCode.BAD_INPUT);
  });
});

describe('sleep', () => {
  it('sleeps and sums ms, by timer or by busy loop', async () => {
    expect(await runJob(sleep, { ms: 5 }, 3)).toBe(15);
    const start = performance.now();
    expect(await runJob(sleep, { ms: 20, busy: true }, 1)).toBe(20);
    expect(performance.now() - start).toBeGreaterThanOrEqual(19);
  });

  it('rejects bad input with BAD_INPUT', () => {
    for (const input of [undefined, {}, { ms: -1 }, { ms: 600_001 }, { ms: 1, busy: 'yes' }]) {
      expect(
        codeOf(() => sleep.split(input, 2)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
  });
});

describe('pi', () => {
  it('is deterministic and close to π', async () => {
    const input = { samples: 200_000, seed: 42 };
    const first = await runJob(pi, input, 4);
    const second = await runJob(pi, input, 4);
    expect(second).toEqual(first);
    expect(first.samples).toBe(200_000);
    expect(Math.abs(first.pi - Math.PI)).toBeLessThan(0.02);
  });

  it('gives partition i the seed seed*100003+i and shares the samples', () => {
    expect(pi.split({ samples: 10 }, 3)).toEqual([
      { samples: 4, seed: 100_003 },
      { samples: 3, seed: 100_004 },
      { samples: 3, seed: 100_005 },
    ]);
    expect(pi.split({ samples: 2, seed: 0 }, 5)).toHaveLength(2);
  });

  it('rejects bad input with BAD_INPUT', () => {
    for (const input of [undefined, {}, { samples: 0 }, { samples: 10, seed: -1 }, { samples: 10, seed: 2 ** 32 }, { samples: 1.5 }]) {
      expect(
        codeOf(() => pi.split(input, 2)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
  });
});

describe('hash', () => {
  it('matches a direct SHA-256 chain', async () => {
    const rounds = 5;
    const direct = (text: string): string => {
      let d = createHash('sha256').update(text).digest();
      for (let r = 1; r < rounds; r++) d = createHash('sha256').update(d).digest();
      return d.toString('hex');
    };
    expect(await runJob(hash, { seed: 'abc', rounds }, 3)).toEqual([direct('abc:0'), direct('abc:1'), direct('abc:2')]);
    expect(hash.run({ text: 'abc', rounds: 1 }, ctx(0))).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('rejects bad input with BAD_INPUT', () => {
    for (const input of [undefined, { rounds: 1 }, { seed: 1, rounds: 1 }, { seed: 'x', rounds: 0 }, { seed: 'x'.repeat(1025), rounds: 1 }]) {
      expect(
        codeOf(() => hash.split(input, 2)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
  });
});

describe('crash (non-crashing paths)', () => {
  it('marks only the chosen partitions and returns value from the rest', async () => {
    const parts = crash.split({ how: 'exit', partitions: [1], value: 2 }, 3);
    expect(parts.map((p) => p.how)).toEqual(['none', 'exit', 'none']);
    expect(await crash.run(parts[0]!, ctx(0))).toBe(2);
    expect(await runJob(crash, { how: 'none' }, 4)).toBe(4);
  });

  it('returns value instead of crashing after `attempts` attempts (a transient fault)', async () => {
    const [part] = crash.split({ how: 'exit', attempts: 1, value: 5 }, 1);
    expect(await crash.run(part!, ctx(0, 2))).toBe(5);
  });

  it('crashes every partition by default', () => {
    expect(crash.split({ how: 'oom' }, 2).map((p) => p.how)).toEqual(['oom', 'oom']);
  });

  it('rejects bad input with BAD_INPUT', () => {
    for (const input of [
      undefined,
      {},
      { how: 'explode' },
      { how: 'exit', partitions: [3] },
      { how: 'exit', partitions: 'all' },
      { how: 'none', value: 'x' },
    ]) {
      expect(
        codeOf(() => crash.split(input, 3)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
  });
});

describe('hang (non-hanging paths)', () => {
  it('hangs only the chosen partitions, bounded by ms', async () => {
    expect(hang.split({ partitions: [0] }, 2)).toEqual([{ hang: true }, { hang: false }]);
    expect(await runJob(hang, { partitions: [1], ms: 10 }, 3)).toBe(3);
  });

  it('rejects bad input with BAD_INPUT', () => {
    for (const input of [7, { ms: -1 }, { partitions: [-1] }, { partitions: [2] }]) {
      expect(
        codeOf(() => hang.split(input, 2)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
  });
});

describe('flaky', () => {
  it('fails attempt 1 with TASK_ERROR and succeeds on attempt 2', () => {
    const [part] = flaky.split(undefined, 1);
    expect(codeOf(() => flaky.run(part!, ctx(0, 1)))).toBe(ErrorCode.TASK_ERROR);
    expect(flaky.run(part!, ctx(0, 2))).toBe(1);
  });

  it('honours failAttempts', () => {
    const [part] = flaky.split({ failAttempts: 2 }, 1);
    expect(codeOf(() => flaky.run(part!, ctx(0, 2)))).toBe(ErrorCode.TASK_ERROR);
    expect(flaky.run(part!, ctx(0, 3))).toBe(1);
    expect(codeOf(() => flaky.split({ failAttempts: -1 }, 1))).toBe(ErrorCode.BAD_INPUT);
  });
});

describe('slow', () => {
  it('returns partition indices and counts them', async () => {
    const parts = slow.split({ ms: 1, slow: [2], slowMs: 30 }, 3);
    expect(parts.map((p) => p.ms)).toEqual([1, 1, 30]);
    expect(await slow.run(parts[1]!, ctx(1))).toBe(1);
    expect(await runJob(slow, { ms: 1, slow: [2], slowMs: 30 }, 3)).toBe(3);
  });

  it('is slow only on the first slowAttempts attempts when asked (a slow node, not a slow input)', async () => {
    const [part] = slow.split({ ms: 1, slow: [0], slowMs: 400, slowAttempts: 1 }, 1);
    const t0 = Date.now();
    await slow.run(part!, ctx(0, 2));
    expect(Date.now() - t0).toBeLessThan(300);
    expect(part!.ms).toBe(400);
  });

  it('rejects bad input with BAD_INPUT', () => {
    for (const input of [undefined, { ms: 1, slowMs: 2 }, { ms: 1, slow: [5], slowMs: 2 }, { slow: [], slowMs: 2 }]) {
      expect(
        codeOf(() => slow.split(input, 3)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
  });
});

describe('poison', () => {
  it('fails the bad partitions on every attempt and passes the rest', () => {
    const parts = poison.split({ bad: [1] }, 3);
    for (const attempt of [1, 2, 3]) expect(() => poison.run(parts[1]!, ctx(1, attempt))).toThrow(Error);
    expect(codeOf(() => poison.run(parts[1]!, ctx(1)))).toBeUndefined();
    expect(poison.run(parts[0]!, ctx(0))).toBe(1);
    expect(poison.merge([1, 1])).toBe(2);
  });

  it('rejects bad input with BAD_INPUT', () => {
    for (const input of [undefined, {}, { bad: [3] }, { bad: [0.5] }]) {
      expect(
        codeOf(() => poison.split(input, 3)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
  });
});

describe('odd-value', () => {
  it('one partition per kind; run builds the kind; merge says which came back exact', () => {
    const parts = oddValue.split({ kinds: ['map', 'neg-zero', 'random:7'] }, 1);
    expect(parts).toEqual([{ kind: 'map' }, { kind: 'neg-zero' }, { kind: 'random:7' }]);
    const results = parts.map((p) => oddValue.run(p, { jobId: 'j', partition: 0, attempt: 1, mode: 'thread' }) as { kind: string; value: unknown });
    expect(results[0]?.value).toBeInstanceOf(Map);
    expect(oddValue.merge(results as never)).toEqual({ kinds: ['map', 'neg-zero', 'random:7'], exact: [true, true, true] });
    // A value that changed on the way (here -0 → 0) is reported as not exact.
    expect(oddValue.merge([{ kind: 'neg-zero', value: 0 }] as never)).toEqual({ kinds: ['neg-zero'], exact: [false] });
    for (const input of [undefined, {}, { kinds: [] }, { kinds: ['nope'] }, { kinds: ['random:x'] }]) {
      expect(
        codeOf(() => oddValue.split(input, 1)),
        JSON.stringify(input),
      ).toBe(ErrorCode.BAD_INPUT);
    }
  });
});

describe('index', () => {
  it('lists every built-in task under its own name', () => {
    const modules: TaskModule[] = [primes, noop, sleep, pi, hash, crash, hang, flaky, slow, poison, oddValue, sharedSum] as TaskModule[];
    expect(modules.map((m) => m.name).sort()).toEqual([...BUILTIN_TASKS].sort());
    for (const m of modules) expect(m.profile.isolation).toBe('auto');
  });

  it('gives loadTask a table that loads each built-in by its name, and nothing else', async () => {
    for (const name of BUILTIN_TASKS) expect((await loadTask(name, { builtins: builtinTasks })).name).toBe(name);
    await expect(loadTask('index', { builtins: builtinTasks })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TASK });
  });
});

describe('shared-sum', () => {
  const withShared =
    (shared: unknown) =>
    (partition: number): RunContext => ({ ...ctx(partition), shared });

  it('sums its range of bytes, float64 or a JSON array, and merges the sums', async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const parts = sharedSum.split({ to: 1000 }, 3);
    expect(parts).toHaveLength(3);
    const results = parts.map((part, i) => sharedSum.run(part, withShared(bytes)(i)) as { sum: number; count: number });
    expect(sharedSum.merge(results)).toEqual({ sum: bytes.reduce((a, b) => a + b, 0), count: 1000 });
    const floats = Float64Array.from([0.5, 1.5, 2.5, 3.5]);
    expect(sharedSum.run({ from: 1, to: 3 }, withShared(floats)(0))).toEqual({ sum: 4, count: 2 });
    expect(sharedSum.run({ from: 0, to: 2 }, withShared([10, 20, 30])(0))).toEqual({ sum: 30, count: 2 });
    expect(sharedSum.run({ from: 0, to: 2 }, withShared(BigInt64Array.from([5n, 6n]))(0))).toEqual({ sum: 11, count: 2 });
  });

  it('says it reads a shared value, and clamps the partition count', () => {
    expect(sharedSum.profile).toEqual({ isolation: 'auto', sharedInput: true });
    expect(sharedSum.split({ from: 4, to: 6 }, 8)).toEqual([
      { from: 4, to: 5 },
      { from: 5, to: 6 },
    ]);
  });

  it('rejects a missing shared value, a range past its end, and bad input with BAD_INPUT', () => {
    expect(codeOf(() => sharedSum.run({ from: 0, to: 1 }, ctx(0)))).toBe(ErrorCode.BAD_INPUT);
    expect(codeOf(() => sharedSum.run({ from: 0, to: 5 }, withShared(new Uint8Array(4))(0)))).toBe(ErrorCode.BAD_INPUT);
    expect(codeOf(() => sharedSum.run({ from: 0, to: 1 }, withShared({ a: 1 })(0)))).toBe(ErrorCode.BAD_INPUT);
    for (const input of [undefined, {}, { from: 5, to: 4 }, { to: -1 }]) expect(codeOf(() => sharedSum.split(input, 2))).toBe(ErrorCode.BAD_INPUT);
  });
});
