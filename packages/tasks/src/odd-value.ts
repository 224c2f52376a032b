/**
 * `odd-value` (drill): each partition returns a value of one kind, to drill
 * the value model end to end (slot → agent → coordinator → merge). Values
 * like a cyclic array cannot be inputs, so the input names the kind and
 * `run` builds the value.
 *
 * Input `{kinds: string[]}`: one partition per kind (the partition count is
 * a hint; the kinds decide). The merge runs on the coordinator and checks
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
    map: new Map<unknown, unknown>([[1, 'one'], ['k', new Set([1n, 'x'])], [{ key: true }, new Date(0)]]),
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
  map: () => new Map<unknown, unknown>([[1, 'a'], ['1', 'b'], [2n, new Map([[null, undefined]])]]),
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
  'class-instance': () => ({ at: new (class Point {
    x = 1;
  })() }),
  error: () => new Error('odd'),
  'deep-2000': () => {
    let v: unknown = 0;
    for (let i = 0; i < 2000; i++) v = [v];
    return v;
  },
  'lone-surrogate': () => 'a\ud800b',
  sparse: () => [1, , 3], // eslint-disable-line no-sparse-arrays
  // Refused: RESULT_TOO_LARGE (over the default 64 MiB frame).
  'huge-70mb': () => Buffer.alloc(70 * 1024 * 1024, 1),
};

export interface OddValuePart {
  kind: string;
}

export interface OddValueResult {
  kind: string;
  value: unknown;
}

export default defineTask({
  name: NAME,
  split(input: unknown): OddValuePart[] {
    const obj = inputObject(NAME, input, '{kinds: string[]}');
    const kinds = obj.kinds;
    if (!Array.isArray(kinds) || kinds.length === 0 || kinds.length > 1000) throw badInput(NAME, 'kinds must be an array of 1 to 1000 kind names');
    for (const kind of kinds) {
      if (typeof kind !== 'string' || !Object.hasOwn(ODD_VALUES, kind)) throw badInput(NAME, `unknown kind ${JSON.stringify(kind)}; known: ${Object.keys(ODD_VALUES).join(', ')}`);
    }
    return kinds.map((kind: string) => ({ kind }));
  },
  run(part: OddValuePart): OddValueResult {
    return { kind: part.kind, value: (ODD_VALUES[part.kind] as () => unknown)() };
  },
  merge(results: OddValueResult[]): { kinds: string[]; exact: boolean[] } {
    const build = (kind: string) => (Object.hasOwn(ODD_VALUES, kind) ? (ODD_VALUES[kind] as () => unknown)() : Symbol('unknown kind'));
    return { kinds: results.map((r) => r.kind), exact: results.map((r) => isDeepStrictEqual(r.value, build(r.kind))) };
  },
  profile: { isolation: 'auto' },
});
