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
import { MAX_VALUE_DEPTH, MapBox, NEG_ZERO, NegZero, RawValue, Refusal, refusalError, walk, type WellFormed } from './value-walk.js';

export { MAX_OBJECT_KEYS, MAX_VALUE_DEPTH, RawValue } from './value-walk.js';

/** The frame limit an agent assumes until its coordinator's `welcome` says otherwise (the coordinator's default). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Bounds of a frame limit a coordinator may announce (its `maxPayloadBytes` option's bounds). */
export const MIN_FRAME_BYTES = 1024;
export const MAX_FRAME_BYTES = 2 ** 31 - 1;
/** Room left in a frame for what surrounds one result (type, jobId, p, a, ms, mode, why). */
export const RESULT_FRAME_OVERHEAD_BYTES = 1024;
/** Frame fields around a value (message → items → item → value) that the lenient walk allows for. */
const FRAME_DEPTH = 16;

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

/**
 * A value as text for the JSON API, exactly (`?encoding=msgpack`): base64 of
 * its msgpack encoding. Undefined when the value model cannot carry it (a
 * merge may return anything), and the JSON view is all there is.
 */
export function packValue(value: unknown): string | undefined {
  try {
    return encodeValue(value).toString('base64');
  } catch {
    return undefined;
  }
}

/** The value `packValue` packed. */
export function unpackValue(packed: string): unknown {
  return decodeValue(Buffer.from(packed, 'base64'));
}
