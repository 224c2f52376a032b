/**
 * The value model: every value either comes back exactly (node:util's
 * isDeepStrictEqual: types, classes, -0 and NaN all count) or is refused with
 * RESULT_NOT_SERIALIZABLE / RESULT_TOO_LARGE. Decoding a hostile frame never
 * pollutes a prototype or yields a type the model refuses.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRaw, encode } from './codec.js';
import { ErrorCode } from './errors.js';
import { decodeCoordinatorMessage } from './validate.js';
import { MAX_VALUE_DEPTH, RawValue, decodeValue, encodeValue, encodeValueInto, jsonReplacer } from './value.js';

const SEED = Number(process.env.FC_SEED ?? 42);
const REFUSALS: string[] = [ErrorCode.RESULT_NOT_SERIALIZABLE, ErrorCode.RESULT_TOO_LARGE];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** fc.anything, extended with every type the model names (and a few it refuses). */
const leaf = fc.oneof(
  fc.constantFrom(null, undefined, true, false, NaN, -0, 0, Infinity, -Infinity),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.string({ unit: 'binary' }), // lone surrogates: refused
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.bigInt({ min: -(2n ** 400n), max: 2n ** 400n }),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array().map((a) => Buffer.from(a)),
  fc.uint8Array(),
  fc.int16Array(),
  fc.float32Array(),
  fc.float64Array(),
  fc.bigInt64Array(),
  fc.uint8Array().map((a) => a.slice().buffer),
  fc.uint8Array().map((a) => new DataView(a.slice().buffer)),
  fc.constantFrom<unknown>(() => 1, Symbol('s'), new Error('e'), /re/),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(fc.string(), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
}));

/** Through encodeValue (the slot), into a frame as a RawValue (the agent), out of decodeRaw (the coordinator). */
function roundTrip(v: unknown): { ok: true; back: unknown } | { ok: false; code: string } {
  let bytes: Buffer;
  try {
    bytes = encodeValue(v, { root: 'result', maxBytes: 1 << 20 });
  } catch (err) {
    return { ok: false, code: (err as { code: string }).code };
  }
  const frame = decodeRaw(encode({ type: 'results', jobId: 'j', items: [{ value: new RawValue(bytes) }] })) as { items: Array<{ value: unknown }> };
  return { ok: true, back: frame.items[0]?.value };
}

describe('value model (property)', () => {
  it('every value round-trips exactly through slot, frame and coordinator, or is refused with a code', () => {
    let exact = 0;
    let refused = 0;
    fc.assert(
      fc.property(value, (v) => {
        const r = roundTrip(v);
        if (r.ok) {
          exact++;
          return isDeepStrictEqual(r.back, v) && isDeepStrictEqual(decodeValue(encode(v)), v);
        }
        refused++;
        return REFUSALS.includes(r.code);
      }),
      {
        seed: SEED,
        numRuns: 1500,
        reporter: (out) => out.failed && console.error(`value model property failed; FC_SEED=${SEED}\n${fc.defaultReportMessage(out)}`),
      },
    );
    // Both outcomes happen: the arbitrary is not all refusals.
    expect(exact).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(20);
  });
});

/** encodeValueInto's bytes, copied out of the packr's buffer as a slot's chunk does; or the refusal's code. */
function intoBytes(v: unknown, maxBytes: number): { bytes: Buffer } | { code: string } {
  let bytes: Buffer | undefined;
  try {
    encodeValueInto(v, { root: 'result', maxBytes }, (source, start, end) => (bytes = Buffer.from(source.subarray(start, end))));
  } catch (err) {
    return { code: (err as { code: string }).code };
  }
  return { bytes: bytes as Buffer };
}

describe('encodeValueInto (the slot hot path)', () => {
  it('gives the bytes and refusals of encodeValue, whatever was packed before it', () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 7); // grows the packr's buffer, which is then released
    const bigBytes = encodeValue(big);
    fc.assert(
      fc.property(value, fc.boolean(), (v, packBigFirst) => {
        if (packBigFirst) {
          const into = intoBytes(big, Infinity);
          expect('bytes' in into && into.bytes.equals(bigBytes)).toBe(true);
        }
        const frame = encode({ type: 'results', jobId: 'j', items: [{ value: 1 }] }); // a frame packed in between stays intact
        const copy = Buffer.from(frame);
        const into = intoBytes(v, 1 << 20);
        expect(frame.equals(copy)).toBe(true);
        const code = codeOf(() => encodeValue(v, { root: 'result', maxBytes: 1 << 20 }));
        if (code !== undefined) return 'code' in into && into.code === code;
        return 'bytes' in into && into.bytes.equals(encodeValue(v, { root: 'result', maxBytes: 1 << 20 })) && isDeepStrictEqual(decodeValue(into.bytes), v);
      }),
      {
        seed: SEED,
        numRuns: 300,
        reporter: (out) => out.failed && console.error(`encodeValueInto property failed; FC_SEED=${SEED}\n${fc.defaultReportMessage(out)}`),
      },
    );
  });

  it('refuses a value over maxBytes with RESULT_TOO_LARGE before handing over any bytes', () => {
    let called = false;
    const code = codeOf(() => encodeValueInto('x'.repeat(100), { maxBytes: 50 }, () => (called = true)));
    expect(code).toBe(ErrorCode.RESULT_TOO_LARGE);
    expect(called).toBe(false);
  });
});

describe('value model (examples)', () => {
  it.each<[string, unknown]>([
    ['-0', -0],
    ['NaN and infinities', [NaN, Infinity, -Infinity]],
    ['undefined as a value, in arrays and objects', [undefined, { a: undefined }]],
    ['BigInt within 64 bits', -(2n ** 63n)],
    ['BigInt beyond 64 bits', 2n ** 70n],
    ['BigInt of 4096 bits', -(3n ** 2600n)],
    [
      'Map with any keys',
      new Map<unknown, unknown>([
        [1, 'a'],
        ['1', 'b'],
        [{ k: 1 }, new Map([[null, -0]])],
      ]),
    ],
    ['Set', new Set([1, '1', 1n])],
    ['Date', new Date(Date.UTC(1969, 0, 1, 0, 0, 0, 1))],
    ['Buffer', Buffer.from('cohort')],
    ['Uint8Array (not a Buffer)', new Uint8Array([1, 2])],
    ['Float64Array', new Float64Array([Math.PI, -0, NaN])],
    ['BigUint64Array', new BigUint64Array([2n ** 64n - 1n])],
    ['ArrayBuffer', new Uint8Array([1, 2, 3]).buffer],
    ['DataView', new DataView(new Uint8Array([4, 5]).buffer)],
    ['an object with 65,535 keys', Object.fromEntries(Array.from({ length: 65_535 }, (_, i) => [`k${i}`, i]))],
    ['nesting at the bound', Array.from({ length: MAX_VALUE_DEPTH - 1 }).reduce<unknown>((v) => [v], 0)],
  ])('%s round-trips exactly', (_name, v) => {
    const r = roundTrip(v);
    expect(r.ok).toBe(true);
    expect(isDeepStrictEqual(r.ok && r.back, v)).toBe(true);
  });

  const cyclic: unknown[] = [1];
  cyclic.push(cyclic);
  it.each<[string, unknown, string]>([
    ['a cycle', { items: [0, 1, 2, { big: cyclic }] }, 'result.items[3].big[1]'],
    ['a function', { items: [{ f: () => 1 }] }, 'result.items[0].f'],
    ['a symbol', [Symbol('x')], 'result[0]'],
    ['a class instance', { at: new (class Point {})() }, 'result.at'],
    ['an Error', new Error('e'), 'result'],
    // biome-ignore lint/suspicious/noSparseArray: a hole is the case under test
    ['a sparse array', [1, , 3], 'result[1]'],
    ['a lone surrogate', { s: 'a\ud800' }, 'result.s'],
    ['an own __proto__ key', JSON.parse('{"x": {"__proto__": 1}}'), 'result.x.__proto__'],
    ['an object with 70,000 keys', Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i])), 'result'],
    ['nesting deeper than the bound', Array.from({ length: 5000 }).reduce<unknown>((v) => [v], 0), `result${'[0]'.repeat(MAX_VALUE_DEPTH)}`],
    ['a Map value that is refused', new Map([['k', () => 1]]), 'result<map entry 0>'],
  ])('%s is refused with RESULT_NOT_SERIALIZABLE naming where', (_name, v, path) => {
    let err: { code?: string; details?: { path?: string } } | undefined;
    try {
      encodeValue(v, { root: 'result' });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe(ErrorCode.RESULT_NOT_SERIALIZABLE);
    expect(err?.details?.path).toBe(path);
  });

  it('a value over the limit is refused with RESULT_TOO_LARGE, its size and the limit', () => {
    let err: { code?: string; details?: { bytes?: number; maxBytes?: number } } | undefined;
    try {
      encodeValue(Buffer.alloc(2000), { maxBytes: 1000 });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe(ErrorCode.RESULT_TOO_LARGE);
    expect(err?.details).toMatchObject({ bytes: 2003, maxBytes: 1000 });
  });

  it('frames carry values exactly too (assign inputs, journal records)', () => {
    const input = { m: new Map([[1, -0]]), f: new Float64Array([1.5]), b: 2n ** 80n };
    const back = decodeRaw(encode({ type: 'assign', items: [{ p: 0, a: 1, input }] })) as { items: Array<{ input: unknown }> };
    expect(isDeepStrictEqual(back.items[0]?.input, input)).toBe(true);
    // The frame walk bounds depth: a deep value throws a code instead of overflowing the stack.
    const deep = Array.from({ length: 100_000 }).reduce<unknown>((v) => [v], 0);
    expect(codeOf(() => encode({ type: 'x', deep }))).toBe(ErrorCode.RESULT_NOT_SERIALIZABLE);
  });
});

describe('decoding hostile bytes', () => {
  it('a __proto__ key never sets a prototype', () => {
    // {"__proto__": {"polluted": 1}} as msgpack, nested in a welcome frame's extra field.
    const evil = Buffer.concat([Buffer.from([0x81, 0xa9]), Buffer.from('__proto__'), Buffer.from([0x81, 0xa8]), Buffer.from('polluted'), Buffer.from([0x01])]);
    const decoded = decodeRaw(evil) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect((decoded as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it.each([
    ['a structured-clone pointer', [0xd6, 0x70, 0, 0, 0, 1]],
    ['a structured-clone reference', [0xd6, 0x69, 0, 0, 0, 1, 0x90]],
    ['an Error', [0xd4, 0x65, 0x00, 0x93, 0xa1, 0x45, 0xa1, 0x6d, 0xc0]],
    ['a RegExp', [0xd4, 0x78, 0x00, 0x92, 0xa1, 0x61, 0xa0]],
    ['a map extension with an odd array', [0xd4, 0x4d, 0x00, 0x91, 0x01]],
  ])('%s is a BAD_FRAME, not a value', (_name, bytes) => {
    expect(codeOf(() => decodeRaw(Buffer.from(bytes)))).toBe(ErrorCode.BAD_FRAME);
  });

  it('welcome.maxPayloadBytes is optional and validated', () => {
    const welcome = { type: 'welcome', protocol: 1, sessionId: 's', coordinatorVersion: 'v', heartbeatMs: 1, heartbeatTimeoutMs: 2 };
    expect(decodeCoordinatorMessage(encode(welcome))).toMatchObject(welcome);
    expect(decodeCoordinatorMessage(encode({ ...welcome, maxPayloadBytes: 1 << 20 }))).toMatchObject({ maxPayloadBytes: 1 << 20 });
    for (const bad of [0, 1023, 1.5, -1, '1024', 2 ** 31])
      expect(codeOf(() => decodeCoordinatorMessage(encode({ ...welcome, maxPayloadBytes: bad })))).toBe(ErrorCode.BAD_FRAME);
  });
});

describe('jsonReplacer', () => {
  it('shows BigInt, Map, Set, typed arrays and ArrayBuffer in JSON instead of throwing', () => {
    const text = JSON.stringify(
      {
        big: 2n ** 70n,
        map: new Map<unknown, unknown>([[1, 'a']]),
        set: new Set([1n]),
        f64: new Float64Array([1.5]),
        i64: new BigInt64Array([-1n]),
        ab: new Uint8Array([7]).buffer,
        buf: Buffer.from([1]),
      },
      jsonReplacer,
    );
    expect(JSON.parse(text)).toEqual({
      big: '1180591620717411303424',
      map: [[1, 'a']],
      set: ['1'],
      f64: [1.5],
      i64: ['-1'],
      ab: [7],
      buf: { type: 'Buffer', data: [1] },
    });
  });
});
