/**
 * `odd-value` (drill): each partition returns a value of one kind, to drill
 * the value model end to end (slot → agent → coordinator → merge). Values
 * like a cyclic array cannot be inputs, so the input names the kind and
 * `run` builds the value.
 *
 * Input `{kinds: string[]}`: one partition per kind (the partition count is
 * a hint; the kinds decide). `random:<seed>` is a random value of the
 * model's exact types, the same for the same seed. The merge runs on the coordinator and checks
 * every result against a fresh build of its kind (node:util's
 * isDeepStrictEqual: types, classes, -0 and NaN all count), returning
 * `{kinds, exact}`: so a job that succeeds says whether each value came back
 * exactly. Kinds the model refuses fail their partition with
 * RESULT_NOT_SERIALIZABLE or RESULT_TOO_LARGE.
 */
import { isDeepStrictEqual } from 'node:util';
import { badInput, defineTask } from '@cohort/shared';
import { inputObject } from './internal/input.js';

const NAME = 'odd-value';

function nested(): unknown {
  return {
    list: [undefined, null, -0, NaN, Infinity, -Infinity, 2n ** 63n - 1n, 'ü'],
    map: new Map<unknown, unknown>([
      [1, 'one'],
      ['k', new Set([1n, 'x'])],
      [{ key: true }, new Date(0)],
    ]),
    bytes: { buffer: Buffer.from('cohort'), u8: new Uint8Array([1, 2, 3]), f64: new Float64Array([1.5, -0, NaN]) },
    missing: undefined,
  };
}

/** Every kind the drill knows, and how to build it. Builders are deterministic. */
export const ODD_VALUES: Record<string, () => unknown> = {
  // Round-trip exactly.
  null: () => null,
  undefined: () => undefined,
  nan: () => NaN,
  'neg-zero': () => -0,
  infinity: () => -Infinity,
  'bigint-64': () => -(2n ** 63n),
  'bigint-70': () => 2n ** 70n,
  'bigint-4096': () => 3n ** 2600n,
  date: () => new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5)),
  map: () =>
    new Map<unknown, unknown>([
      [1, 'a'],
      ['1', 'b'],
      [2n, new Map([[null, undefined]])],
    ]),
  set: () => new Set<unknown>([1, '1', 1n, undefined]),
  buffer: () => Buffer.from([0, 1, 254, 255]),
  uint8array: () => new Uint8Array([9, 8, 7]),
  float64array: () => new Float64Array([Math.PI, -0, NaN, Infinity]),
  int32array: () => new Int32Array([-1, 2 ** 31 - 1]),
  bigint64array: () => new BigInt64Array([-(2n ** 63n), 42n]),
  arraybuffer: () => new Uint16Array([1, 65535]).buffer,
  dataview: () => new DataView(new Uint8Array([1, 2, 3, 4]).buffer),
  'undefined-in-array': () => [undefined, 1, undefined],
  'undefined-in-object': () => ({ a: undefined, b: 1 }),
  nested,
  // Refused: RESULT_NOT_SERIALIZABLE.
  'cyclic-array': () => {
    const a: unknown[] = [1];
    a.push(a);
    return a;
  },
  'keys-70000': () => {
    const o: Record<string, number> = {};
    for (let i = 0; i < 70_000; i++) o[`k${i}`] = i;
    return o;
  },
  function: () => ({ items: [{ f: () => 1 }] }),
  symbol: () => Symbol('odd'),
  'class-instance': () => ({
    at: new (class Point {
      x = 1;
    })(),
  }),
  error: () => new Error('odd'),
  'deep-2000': () => {
    let v: unknown = 0;
    for (let i = 0; i < 2000; i++) v = [v];
    return v;
  },
  'lone-surrogate': () => 'a\ud800b',
  // biome-ignore lint/suspicious/noSparseArray: a hole is the odd value
  sparse: () => [1, , 3],
  // Refused: RESULT_TOO_LARGE (over the default 64 MiB frame).
  'huge-70mb': () => Buffer.alloc(70 * 1024 * 1024, 1),
};

/** A small seeded PRNG (mulberry32): `random:<seed>` builds the same value on the agent and in the merge. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANDOM_LEAVES: Array<(r: () => number) => unknown> = [
  () => null,
  () => undefined,
  (r) => (r() < 0.5 ? -0 : NaN),
  (r) => (r() - 0.5) * 1e9,
  (r) => Math.floor(r() * 1e6),
  (r) => String.fromCharCode(...Array.from({ length: Math.floor(r() * 8) }, () => 32 + Math.floor(r() * 0x2000))),
  (r) => BigInt(Math.floor(r() * 1e9)) ** BigInt(1 + Math.floor(r() * 12)) * (r() < 0.5 ? -1n : 1n),
  (r) => new Date(Math.floor(r() * 4e12)),
  (r) => Buffer.from(Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * 256))),
  (r) => new Float64Array(Array.from({ length: Math.floor(r() * 4) }, () => r() * 100 - 50)),
  (r) => new Int16Array(Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * 65536) - 32768)),
  (r) => new BigUint64Array([BigInt(Math.floor(r() * 2 ** 53)) * 1024n]),
];

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth >= 4 || pick < 0.5) return (RANDOM_LEAVES[Math.floor(r() * RANDOM_LEAVES.length)] as (r: () => number) => unknown)(r);
  const n = Math.floor(r() * 4);
  const items = Array.from({ length: n }, () => randomValue(r, depth + 1));
  if (pick < 0.65) return items;
  if (pick < 0.8) return Object.fromEntries(items.map((v, i) => [`k${i}`, v]));
  if (pick < 0.9) return new Map(items.map((v, i) => [i % 2 ? `k${i}` : i, v]));
  return new Set(items);
}

/** The builder of a kind: a named one, or `random:<seed>`. */
export function oddValue(kind: string): (() => unknown) | undefined {
  if (Object.hasOwn(ODD_VALUES, kind)) return ODD_VALUES[kind];
  const m = /^random:(\d{1,9})$/.exec(kind);
  return m ? () => randomValue(prng(Number(m[1])), 0) : undefined;
}

export interface OddValuePart {
  kind: string;
}

export interface OddValueResult {
  kind: string;
  value: unknown;
}

/** The merged result: the kinds in partition order, and whether each came back exact. */
export interface OddValueMerged {
  kinds: string[];
  exact: boolean[];
}

/** A job's result read as this task's merged result; undefined when it is not one. */
export function oddValueMerged(result: unknown): OddValueMerged | undefined {
  if (typeof result !== 'object' || result === null || !('kinds' in result) || !('exact' in result)) return undefined;
  const { kinds, exact } = result;
  if (!Array.isArray(kinds) || !kinds.every((k) => typeof k === 'string')) return undefined;
  if (!Array.isArray(exact) || !exact.every((e) => typeof e === 'boolean')) return undefined;
  return { kinds, exact };
}

export default defineTask({
  name: NAME,
  split(input: unknown): OddValuePart[] {
    const obj = inputObject(NAME, input, '{kinds: string[]}');
    const kinds = obj.kinds;
    if (!Array.isArray(kinds) || kinds.length === 0 || kinds.length > 1000) throw badInput(NAME, 'kinds must be an array of 1 to 1000 kind names');
    for (const kind of kinds) {
      if (typeof kind !== 'string' || !oddValue(kind))
        throw badInput(NAME, `unknown kind ${JSON.stringify(kind)}; known: random:<seed>, ${Object.keys(ODD_VALUES).join(', ')}`);
    }
    return kinds.map((kind: string) => ({ kind }));
  },
  run(part: OddValuePart): OddValueResult {
    return { kind: part.kind, value: (oddValue(part.kind) as () => unknown)() };
  },
  merge(results: OddValueResult[]): OddValueMerged {
    const build = (kind: string) => (oddValue(kind) ?? (() => Symbol('unknown kind')))();
    return { kinds: results.map((r) => r.kind), exact: results.map((r) => isDeepStrictEqual(r.value, build(r.kind))) };
  },
  profile: { isolation: 'auto' },
});
