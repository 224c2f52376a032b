/**
 * The strict and lenient walks of the value model (see value.ts): one pass
 * over a value that boxes Maps and -0 for the packr, bounds the nesting, and
 * (strict) refuses what the model does not carry, naming what and where.
 */
import { CohortError, ErrorCode } from './errors.js';

/** Deepest nesting of a value (arrays, objects, maps, sets). */
export const MAX_VALUE_DEPTH = 1000;
/** Most keys of one plain object: msgpackr writes object sizes in 16 bits on its fast path. */
export const MAX_OBJECT_KEYS = 65_535;
/** A Map, boxed: msgpackr would write a real Map as a plain msgpack map. */
export class MapBox {
  constructor(readonly flat: unknown[]) {}
}
/** -0, boxed: msgpackr writes -0 as the integer 0. */
export class NegZero {}
export const NEG_ZERO = new NegZero();

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

/** Why the walk refused a value, and where (filled in as the refusal unwinds). */
export class Refusal extends Error {
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
export interface WellFormed {
  isWellFormed(): boolean;
}

interface Walk {
  strict: boolean;
  maxDepth: number;
  /** Containers on the current path (strict walk only): a cycle is named as one. */
  ancestors: Set<object> | undefined;
}

export function walk(v: unknown, depth: number, w: Walk): unknown {
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

export function refusalError(err: Refusal, root: string): CohortError {
  const path = root + err.path.join('');
  return new CohortError(ErrorCode.RESULT_NOT_SERIALIZABLE, `${path} cannot cross the wire: it is ${err.message}`, { details: { path, what: err.message } });
}
