/**
 * The value model: which JavaScript values cross the wire, and how. Partition
 * inputs, results, merged results and journal records all go through the one
 * msgpackr instance defined here, so a value either comes back exactly as it
 * was (same type, same class, same contents) or is refused with a code:
 *
 *   exact      null, undefined (also in arrays and objects), booleans, numbers
 *              (NaN, ±Infinity and -0 too), well-formed strings, BigInt of any
 *              size, Date (also invalid), Map, Set, Buffer, Uint8Array and every
 *              other typed array (as its own class), DataView, ArrayBuffer,
 *              plain objects (a null-prototype object comes back with
 *              Object.prototype), arrays.
 *   refused    RESULT_NOT_SERIALIZABLE: functions, symbols, class instances
 *              (Error, RegExp, Promise, WeakMap, SharedArrayBuffer, boxed
 *              primitives, subclasses…), cycles, sparse arrays, strings with
 *              lone surrogates, an own key `__proto__`, objects with more than
 *              MAX_OBJECT_KEYS keys, nesting deeper than MAX_VALUE_DEPTH.
 *              RESULT_TOO_LARGE: encoded bigger than the frame allows.
 *   not kept   symbol-keyed and non-enumerable properties, and extra
 *              properties on arrays (as with structured clone and JSON).
 *
 * msgpackr carries most of these itself (`moreTypes`). Two it cannot: a Map
 * is written as a msgpack map, which decodes as a plain object, and -0 is
 * written as the integer 0. `prepare` walks a value once and swaps those two
 * for boxes with their own encoding (copying only the path to them, so a
 * value without either is not copied). The strict walk (`encodeValue`) also
 * refuses what the model does not carry; the lenient walk (frames, journal
 * records) only boxes and bounds the depth, so the codec can never overflow
 * the stack.
 */
import { Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE, addExtension } from 'msgpackr';
import { CohortError, ErrorCode } from './errors.js';

/** Deepest nesting of a value (arrays, objects, maps, sets). */
export const MAX_VALUE_DEPTH = 1000;
/** Most keys of one plain object: msgpackr writes object sizes in 16 bits on its fast path. */
export const MAX_OBJECT_KEYS = 65_535;
/** The frame limit an agent assumes until its coordinator's `welcome` says otherwise (the coordinator's default). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Bounds of a frame limit a coordinator may announce (its `maxPayloadBytes` option's bounds). */
export const MIN_FRAME_BYTES = 1024;
export const MAX_FRAME_BYTES = 2 ** 31 - 1;
/** Room left in a frame for what surrounds one result (type, jobId, p, a, ms, mode, why). */
export const RESULT_FRAME_OVERHEAD_BYTES = 1024;
/** Frame fields around a value (message → items → item → value) that the lenient walk allows for. */
const FRAME_DEPTH = 16;

/** A Map, boxed: msgpackr would write a real Map as a plain msgpack map. */
class MapBox {
  constructor(readonly flat: unknown[]) {}
}
/** -0, boxed: msgpackr writes -0 as the integer 0. */
class NegZero {}
const NEG_ZERO = new NegZero();

/** A value already encoded (a slot's result): written into a frame as it is, never encoded twice. */
export class RawValue {
  /** `source[start, end)` holds the value; several values may share one source (a slot's chunk). */
  constructor(
    readonly source: Uint8Array,
    readonly start = 0,
    readonly end = source.length,
  ) {}

  get length(): number {
    return this.end - this.start;
  }

  get bytes(): Uint8Array {
    return this.source.subarray(this.start, this.end);
  }
}

// Extension type codes (1-100 are the application's; msgpackr reserves the rest).
const MAP_EXT = 0x4d; // 'M'
const NEG_ZERO_EXT = 0x30;
const RAW_EXT = 0x31;

addExtension({
  Class: MapBox,
  type: MAP_EXT,
  write: (box: MapBox) => box.flat,
  read(flat: unknown) {
    if (!Array.isArray(flat) || flat.length % 2 !== 0) throw new Error('a map extension must hold an even-length array');
    const map = new Map();
    for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
    return map;
  },
});
addExtension({
  Class: NegZero,
  type: NEG_ZERO_EXT,
  // A plain msgpack float64 -0: any decoder reads it back as -0.
  pack(_box: NegZero, allocateForWrite: (size: number) => { target: Uint8Array; targetView: DataView; position: number }) {
    const { target, targetView, position } = allocateForWrite(9);
    target[position] = 0xcb;
    targetView.setFloat64(position + 1, -0);
  },
  unpack: () => -0,
} as never);
addExtension({
  Class: RawValue,
  type: RAW_EXT,
  // The bytes are one complete msgpack value: written inline, they decode as that value.
  pack(raw: RawValue, allocateForWrite: (size: number) => { target: Uint8Array; position: number }) {
    const { source, start, end } = raw;
    const { target, position } = allocateForWrite(end - start);
    if (end - start > 64) target.set(source.subarray(start, end), position);
    else for (let i = start, j = position; i < end; i++, j++) target[j] = source[i] as number;
  },
  unpack: () => {
    throw new Error('a raw value is never written as an extension');
  },
} as never);
// Types msgpackr decodes but the model refuses: a peer may not smuggle them in.
for (const [type, what] of [
  [0x65, 'Error'],
  [0x78, 'RegExp'],
  [0x69, 'reference'],
  [0x70, 'pointer'],
] as const) {
  addExtension({
    type,
    unpack: () => {
      throw new Error(`${what} extension is not part of the value model`);
    },
  } as never);
}

// Records off: every frame is self-describing, decodable on its own. moreTypes carries typed arrays,
// Set, ArrayBuffer and DataView; useBigIntExtension carries BigInt beyond 64 bits; int64s decode as
// BigInt (numbers are never written as int64). structuredClone off: no references, so no cycles.
export const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: true,
  useBigIntExtension: true,
  structuredClone: false,
  int64AsType: 'bigint',
  copyBuffers: true,
});

/** Why the walk refused a value, and where (filled in as the refusal unwinds). */
class Refusal extends Error {
  readonly path: string[] = [];
}
function refuse(what: string): never {
  throw new Refusal(what);
}
function at(err: unknown, segment: string): unknown {
  if (err instanceof Refusal) err.path.unshift(segment);
  return err;
}

const TYPED_ARRAY_PROTOS = new Set<object>(
  [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
    DataView,
    Buffer,
  ].map((C) => C.prototype),
);

/** String.prototype.isWellFormed (Node 20+; not in this TS lib). */
interface WellFormed {
  isWellFormed(): boolean;
}

interface Walk {
  strict: boolean;
  maxDepth: number;
  /** Containers on the current path (strict walk only): a cycle is named as one. */
  ancestors: Set<object> | undefined;
}

function walk(v: unknown, depth: number, w: Walk): unknown {
  switch (typeof v) {
    case 'number':
      return v === 0 && 1 / v < 0 ? NEG_ZERO : v;
    case 'string':
      if (w.strict && !(v as unknown as WellFormed).isWellFormed()) refuse('a string with a lone surrogate');
      return v;
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return v;
    case 'object':
      return v === null ? v : walkObject(v, depth, w);
    default:
      if (w.strict) refuse(`a ${typeof v}`);
      return v;
  }
}

function walkObject(v: object, depth: number, w: Walk): unknown {
  const proto: unknown = Object.getPrototypeOf(v);
  let kind: 'plain' | 'array' | 'map' | 'set';
  if (proto === Object.prototype) kind = 'plain';
  else if (proto === Array.prototype) kind = 'array';
  else if (proto === Date.prototype || proto === ArrayBuffer.prototype || TYPED_ARRAY_PROTOS.has(proto as object)) return v;
  else if (proto === Map.prototype) kind = 'map';
  else if (proto === Set.prototype) kind = 'set';
  else if (proto === null) kind = 'plain';
  else if (v instanceof RawValue || v instanceof MapBox || v instanceof NegZero) return v;
  else if (w.strict) refuse(`an instance of ${className(v)}`);
  else return v; // lenient: msgpackr's own handling (toJSON, or a plain object)
  if (depth >= w.maxDepth) refuse(`nesting deeper than ${MAX_VALUE_DEPTH}`);
  if (w.ancestors) {
    if (w.ancestors.has(v)) refuse('a cycle');
    w.ancestors.add(v);
  }
  let out: unknown;
  if (kind === 'plain') out = walkPlain(v as Record<string, unknown>, depth, w);
  else if (kind === 'array') out = walkArray(v as unknown[], depth, w);
  else if (kind === 'map') out = walkMap(v as Map<unknown, unknown>, depth, w);
  else out = walkSet(v as Set<unknown>, depth, w);
  w.ancestors?.delete(v);
  return out;
}

function className(v: object): string {
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name.slice(0, 64) : 'an unnamed class';
}

function walkArray(arr: unknown[], depth: number, w: Walk): unknown[] {
  let out: unknown[] | undefined;
  let i = 0;
  try {
    for (; i < arr.length; i++) {
      const x = arr[i];
      if (x === undefined && w.strict && !(i in arr)) refuse('a sparse array (a hole)');
      const y = walk(x, depth + 1, w);
      if (y !== x) (out ??= arr.slice())[i] = y;
    }
  } catch (err) {
    throw at(err, `[${i}]`);
  }
  return out ?? arr;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function walkPlain(obj: Record<string, unknown>, depth: number, w: Walk): unknown {
  let out: Record<string, unknown> | undefined;
  if (w.strict && Object.keys(obj).length > MAX_OBJECT_KEYS) refuse(`an object with more than ${MAX_OBJECT_KEYS} keys`);
  let key = '';
  try {
    // for…in: no key array to allocate; a plain object's prototype holds nothing enumerable.
    for (key in obj) {
      if (key === '__proto__' && w.strict) refuse('an own key "__proto__"');
      const x = obj[key];
      const y = walk(x, depth + 1, w);
      if (y !== x) (out ??= { ...obj })[key] = y;
    }
  } catch (err) {
    throw at(err, IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`);
  }
  return out ?? obj;
}

function walkMap(map: Map<unknown, unknown>, depth: number, w: Walk): MapBox {
  const flat = new Array<unknown>(map.size * 2);
  let i = 0;
  try {
    for (const [k, x] of map) {
      flat[2 * i] = walk(k, depth + 1, w);
      flat[2 * i + 1] = walk(x, depth + 1, w);
      i++;
    }
  } catch (err) {
    throw at(err, `<map entry ${i}>`);
  }
  return new MapBox(flat);
}

function walkSet(set: Set<unknown>, depth: number, w: Walk): Set<unknown> {
  let changed = false;
  const items: unknown[] = [];
  let i = 0;
  try {
    for (const x of set) {
      const y = walk(x, depth + 1, w);
      if (y !== x) changed = true;
      items.push(y);
      i++;
    }
  } catch (err) {
    throw at(err, `<set item ${i}>`);
  }
  return changed ? new Set(items) : set;
}

function refusalError(err: Refusal, root: string): CohortError {
  const path = root + err.path.join('');
  return new CohortError(ErrorCode.RESULT_NOT_SERIALIZABLE, `${path} cannot cross the wire: it is ${err.message}`, { details: { path, what: err.message } });
}

/** Above this, the packr drops its grown buffer after a pack: otherwise every later pack would allocate one as large. */
const LARGE_PACK_BYTES = 1024 * 1024;

/** After a large pack, give the packr a fresh small buffer (the returned bytes keep the large one alive only as long as they live). */
export function releaseLarge(bytes: Uint8Array): void {
  if (bytes.length > LARGE_PACK_BYTES) packr.useBuffer(Buffer.allocUnsafeSlow(8192));
}

/** The value ready for the packr (Maps and -0 boxed), or RESULT_NOT_SERIALIZABLE naming what and where. */
export function prepareValue(value: unknown, root = 'value', strict = true): unknown {
  // Fast path: a primitive needs no walk state.
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'number') return value === 0 && 1 / value < 0 ? NEG_ZERO : value;
    if (
      typeof value === 'boolean' ||
      value === undefined ||
      value === null ||
      typeof value === 'bigint' ||
      (typeof value === 'string' && (!strict || (value as unknown as WellFormed).isWellFormed()))
    )
      return value;
  }
  try {
    return walk(value, 0, { strict, maxDepth: strict ? MAX_VALUE_DEPTH : MAX_VALUE_DEPTH + FRAME_DEPTH, ancestors: strict ? new Set() : undefined });
  } catch (err) {
    if (err instanceof Refusal) throw refusalError(err, root);
    throw err;
  }
}

/**
 * Check a value against the model and encode it: the bytes, or a CohortError
 * RESULT_NOT_SERIALIZABLE (what and where, e.g. `result.items[3].big`) or
 * RESULT_TOO_LARGE (encoded size and limit).
 */
export function encodeValue(value: unknown, options: { root?: string; maxBytes?: number } = {}): Buffer {
  const root = options.root ?? 'value';
  const prepared = prepareValue(value, root, true);
  let bytes: Buffer;
  try {
    bytes = packr.pack(prepared);
  } catch (err) {
    throw new CohortError(ErrorCode.RESULT_NOT_SERIALIZABLE, `${root} cannot be encoded: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
      details: { path: root },
    });
  }
  releaseLarge(bytes);
  const maxBytes = options.maxBytes ?? Infinity;
  if (bytes.length > maxBytes) {
    throw new CohortError(ErrorCode.RESULT_TOO_LARGE, `${root} is ${bytes.length} bytes encoded; a frame allows ${maxBytes}`, {
      details: { path: root, bytes: bytes.length, maxBytes },
    });
  }
  return bytes;
}

/** Where `encodeValueInto` hands over a value's bytes: `source[start, end)`, valid only during the call. */
export type ValueSink = (source: Uint8Array, start: number, end: number) => void;

/**
 * encodeValue without a Buffer per value, for a slot's hot path: the same
 * checks and the same bytes, handed to `sink` straight from the packr's own
 * buffer, which the next pack overwrites (the sink copies them). Throws what
 * encodeValue throws, before calling `sink`.
 */
export function encodeValueInto(value: unknown, options: { root?: string; maxBytes?: number }, sink: ValueSink): void {
  const root = options.root ?? 'value';
  const prepared = prepareValue(value, root, true);
  let packed: Uint8Array & { start: number; end: number };
  try {
    // REUSE: the packr's buffer itself, with start/end set; RESET: the next pack writes over it.
    packed = packr.pack(prepared, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as unknown as Uint8Array & { start: number; end: number };
  } catch (err) {
    throw new CohortError(ErrorCode.RESULT_NOT_SERIALIZABLE, `${root} cannot be encoded: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
      details: { path: root },
    });
  }
  const { start, end } = packed;
  const bytes = end - start;
  try {
    const maxBytes = options.maxBytes ?? Infinity;
    if (bytes > maxBytes) {
      throw new CohortError(ErrorCode.RESULT_TOO_LARGE, `${root} is ${bytes} bytes encoded; a frame allows ${maxBytes}`, {
        details: { path: root, bytes, maxBytes },
      });
    }
    sink(packed, start, end);
  } finally {
    if (bytes > LARGE_PACK_BYTES) packr.useBuffer(Buffer.allocUnsafeSlow(8192));
  }
}

/** Decode bytes written by encodeValue (or any frame): exact values, never a class the model refuses. */
export function decodeValue(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

/**
 * JSON.stringify replacer for values shown by the HTTP API and event streams
 * (JSON has no BigInt, Map or typed arrays; without this a BigInt throws):
 * BigInt → its decimal string, Map → [key, value] pairs, Set → array, typed
 * array and DataView → array of numbers (BigInt elements as strings),
 * ArrayBuffer → array of bytes. JSON's own rules do the rest: Buffer →
 * {type: 'Buffer', data}, Date → ISO string (invalid: null), NaN and
 * ±Infinity → null, -0 → 0, undefined → omitted (null in arrays).
 */
export function jsonReplacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Map) return [...value];
  if (value instanceof Set) return [...value];
  if (value instanceof DataView) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>);
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  return value;
}
