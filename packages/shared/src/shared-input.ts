/**
 * A job's shared input: one read-only value that every partition of the job
 * reads as `ctx.shared`, next to its own partition input. `split` never sees
 * it. A client uploads its bytes once (`PUT /api/shared/:hash`, content
 * addressed like a bundle); the job names it by a `SharedRef`; the
 * coordinator sends it once to each agent that runs the job, in
 * `shared-part` chunks the agent asks for (`shared-get`), and tells the
 * agent to drop it when the job ends (`release`).
 *
 * On an agent, thread slots read one `SharedArrayBuffer` per job with zero
 * copies; process slots get one copy per slot. A `SharedKind` says how the
 * bytes are read back: raw bytes (a Uint8Array), a typed array of that
 * element type, or a JSON value (UTF-8 text, parsed once per slot).
 */
import { CohortError, ErrorCode } from './errors.js';
import { isOneOf } from './one-of.js';

/** How a shared value's bytes are read: `ctx.shared` is a Uint8Array, a typed array, or the parsed JSON value. */
export const SHARED_KINDS = [
  'bytes',
  'json',
  'int8',
  'uint8',
  'uint8c',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'float32',
  'float64',
  'bigint64',
  'biguint64',
] as const;
export type SharedKind = (typeof SHARED_KINDS)[number];

/** A job's shared value, by name: the SHA-256 of its bytes (64 lowercase hex), their count and how to read them. */
export interface SharedRef {
  hash: string;
  bytes: number;
  kind: SharedKind;
}

/** How each slot of an agent got a job's shared value: a view over one SharedArrayBuffer, or its own copy. */
export const SHARED_DELIVERIES = ['shared-memory', 'copied'] as const;
export type SharedDelivery = (typeof SHARED_DELIVERIES)[number];

/** The largest shared value a coordinator or agent takes by default (`--max-shared-bytes`). */
export const DEFAULT_MAX_SHARED_BYTES = 1024 * 1024 * 1024;

/** Bytes in one `shared-part` (the last part may be shorter). Well under the smallest frame limit. */
export const SHARED_CHUNK_BYTES = 1024 * 1024;

const TYPED: Record<
  Exclude<SharedKind, 'bytes' | 'json'>,
  { new (buffer: ArrayBufferLike, offset?: number, length?: number): ArrayBufferView; BYTES_PER_ELEMENT: number }
> = {
  int8: Int8Array,
  uint8: Uint8Array,
  uint8c: Uint8ClampedArray,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  bigint64: BigInt64Array as never,
  biguint64: BigUint64Array as never,
};

export function isSharedKind(v: unknown): v is SharedKind {
  return isOneOf(v, SHARED_KINDS);
}

/** The bytes of one element of `kind` (1 for bytes and json): a shared value's length must be a multiple of it. */
export function sharedElementBytes(kind: SharedKind): number {
  return kind === 'bytes' || kind === 'json' ? 1 : TYPED[kind].BYTES_PER_ELEMENT;
}

/**
 * A value as the bytes a job shares, and how to read them back: a Buffer,
 * Uint8Array, ArrayBuffer, SharedArrayBuffer or DataView as `bytes`, another typed array as its element kind (its own
 * bytes, not copied), anything else as JSON text (BAD_INPUT when it is not JSON).
 */
export function sharedBytesOf(value: unknown): { kind: SharedKind; data: Uint8Array } {
  if (value instanceof Uint8Array && (value.constructor === Uint8Array || Buffer.isBuffer(value))) return { kind: 'bytes', data: value };
  // Binary data that JSON.stringify would turn into `{}`: its bytes.
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return { kind: 'bytes', data: new Uint8Array(value) };
  if (value instanceof DataView) return { kind: 'bytes', data: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    for (const [kind, ctor] of Object.entries(TYPED)) {
      if (value.constructor === ctor) return { kind: kind as SharedKind, data: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
    }
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new CohortError(ErrorCode.BAD_INPUT, `the shared value is not binary and cannot be JSON: ${(err as Error).message}`);
  }
  if (text === undefined) throw new CohortError(ErrorCode.BAD_INPUT, 'the shared value is not binary and cannot be JSON');
  return { kind: 'json', data: Buffer.from(text, 'utf8') };
}

/**
 * What `ctx.shared` is for bytes of `kind` over `buffer` (a SharedArrayBuffer
 * in a thread slot, an ArrayBuffer copy in a process slot): a view with no
 * copy, or for json the parsed value. BAD_INPUT when the length does not fit the kind.
 */
export function sharedView(buffer: ArrayBufferLike, kind: SharedKind): unknown {
  if (kind === 'bytes') return new Uint8Array(buffer);
  if (kind === 'json') return JSON.parse(Buffer.from(buffer as ArrayBuffer).toString('utf8'));
  const ctor = TYPED[kind];
  if (buffer.byteLength % ctor.BYTES_PER_ELEMENT !== 0) {
    throw new CohortError(ErrorCode.BAD_INPUT, `a shared ${kind} array must be a multiple of ${ctor.BYTES_PER_ELEMENT} bytes, got ${buffer.byteLength}`);
  }
  return new ctor(buffer);
}
