/**
 * Validation of decoded frames. Hand-written guards rather than a schema
 * library: they run once per frame and once per batch item on the hot path,
 * and they check exactly the shape the handlers rely on. A failure is a
 * CohortError with code BAD_FRAME that names the offending field.
 */
import { CohortError, ErrorCode, isErrorCode, type WireError } from './errors.js';
import { decodeRaw } from './codec.js';
import { LIMITS, MAX_ERROR_DETAILS_BYTES, MAX_LENGTH, inBound, type IntBound } from './limits.js';
import { MAX_FRAME_BYTES, MIN_FRAME_BYTES } from './value.js';
import { AGENT_MODES, MODE_REASONS, SLOT_MODES, type AgentMessage, type CoordinatorMessage, type ResultItem, type SlotMode } from './protocol.js';
import { isOneOf } from './one-of.js';
import { ISOLATIONS } from './task.js';
import { BUNDLE_CHUNK_BYTES, isBundleHash } from './bundle.js';
import { SHARED_CHUNK_BYTES, isSharedKind, sharedElementBytes } from './shared-input.js';

type Obj = Record<string, unknown>;

function bad(what: string): never {
  throw new CohortError(ErrorCode.BAD_FRAME, `invalid message: ${what}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(o: Obj, k: string, max = 256): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length > max) bad(`${k} must be a string of at most ${max} chars`);
  return v;
}
function int(o: Obj, k: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${k} must be an integer in [${min}, ${max}]`);
  return v;
}
function bounded(o: Obj, k: string, bound: IntBound): number {
  return int(o, k, bound.min, bound.max);
}
function num(o: Obj, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${k} must be a finite number`);
  return v;
}
function arr(o: Obj, k: string, max: number = LIMITS.batchItems.max): unknown[] {
  const v = o[k];
  if (!Array.isArray(v) || v.length > max) bad(`${k} must be an array of at most ${max} items`);
  return v;
}
function mode(v: unknown, k: string): SlotMode {
  if (!isOneOf(v, SLOT_MODES)) bad(`${k} must be 'thread' or 'process'`);
  return v;
}

function resultItem(v: unknown): ResultItem {
  if (!isObj(v)) bad('results item must be an object');
  bounded(v, 'p', LIMITS.partition);
  bounded(v, 'a', LIMITS.attempt);
  const ms = num(v, 'ms');
  if (ms < 0 || ms > LIMITS.resultMs.max) bad(`ms must be in [0, ${LIMITS.resultMs.max}]`);
  mode(v.mode, 'mode');
  if (!isOneOf(v.why, MODE_REASONS)) bad('why must be a mode reason');
  if (v.ok === true) return v as unknown as ResultItem;
  if (v.ok !== false) bad('ok must be a boolean');
  v.error = wireError(v.error, 'error');
  return v as unknown as ResultItem;
}

/**
 * A peer's error: a known code and a message; long texts are cut, not refused
 * (an honest task may throw a long message). Only the known fields are kept,
 * and `details` only when small: the coordinator holds failures until the job ends.
 */
function wireError(e: unknown, k: string): WireError {
  if (!isObj(e) || !isErrorCode(e.code) || typeof e.message !== 'string') bad(`${k} must be {code, message}`);
  const out: WireError = { code: e.code, name: typeof e.name === 'string' ? e.name.slice(0, 128) : 'Error', message: e.message };
  if (e.message.length > MAX_LENGTH.errorMessage) out.message = `${e.message.slice(0, MAX_LENGTH.errorMessage)}…`;
  if (typeof e.stack === 'string' && e.stack.length <= MAX_LENGTH.errorStack) out.stack = e.stack;
  if (isObj(e.details) && weighsAtMost(e.details, MAX_ERROR_DETAILS_BYTES)) out.details = e.details;
  return out;
}

/** True when `v` costs at most about `budget` bytes (strings by length, 8 per anything else); stops as soon as it is over. */
function weighsAtMost(v: unknown, budget: number): boolean {
  let left = budget;
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    left -= typeof x === 'string' ? x.length + 8 : 8;
    if (left < 0) return false;
    if (typeof x !== 'object' || x === null) continue;
    if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) left -= x.byteLength;
    else if (x instanceof Map) for (const [key, value] of x) stack.push(key, value);
    else if (x instanceof Set || Array.isArray(x)) for (const item of x) stack.push(item);
    else for (const key in x) stack.push(key, (x as Obj)[key]);
    if (left < 0 || stack.length > left) return false;
  }
  return true;
}

/** A job's shared value as an assign names it: its hash, a size within the bounds and a multiple of its element, its kind. */
function sharedRef(v: unknown): void {
  if (!isObj(v)) bad('shared must be a map');
  hash(v);
  const bytes = bounded(v, 'bytes', LIMITS.sharedBytes);
  if (!isSharedKind(v.kind)) bad('shared.kind must be a shared kind');
  if (bytes % sharedElementBytes(v.kind) !== 0) bad(`shared.bytes must be a multiple of ${sharedElementBytes(v.kind)} for ${v.kind}`);
}

/** A part of a bundle or shared value: its hash, offset and total within `bound`, at most `chunk` bytes of data ending within total. */
function part(v: Obj, bound: IntBound, chunk: number): void {
  hash(v);
  const offset = bounded(v, 'offset', bound);
  const total = bounded(v, 'total', bound);
  if (!(v.data instanceof Uint8Array) || v.data.length > chunk) bad(`data must be binary of at most ${chunk} bytes`);
  if (offset + v.data.length > total) bad('data must end within total');
}

function hash(o: Obj): void {
  if (!isBundleHash(o.hash)) bad('hash must be 64 lowercase hex digits');
}

const HARDWARE_STRINGS = ['cpuModel', 'platform', 'arch', 'node', 'hostname'] as const;

function hardware(h: unknown): void {
  if (!isObj(h)) bad('hardware must be a map');
  int(h, 'cpus', 0, 1_000_000);
  num(h, 'memoryBytes');
  for (const k of HARDWARE_STRINGS) str(h, k, MAX_LENGTH.hardwareField);
  // Only the known fields are kept: a peer cannot grow what the coordinator stores and serves.
  for (const k of Object.keys(h)) if (k !== 'cpus' && k !== 'memoryBytes' && !(HARDWARE_STRINGS as readonly string[]).includes(k)) delete h[k];
}

const LOAD_NUMBERS = ['cpuPercent', 'memoryPercent', 'load1', 'queued', 'busySlots'] as const;

function load(l: unknown): void {
  if (!isObj(l)) bad('load must be a map');
  for (const k of LOAD_NUMBERS) num(l, k);
  for (const k of Object.keys(l)) if (!(LOAD_NUMBERS as readonly string[]).includes(k)) delete l[k];
}

function pair(item: unknown): void {
  if (!Array.isArray(item) || item.length !== 2 || !inBound(item[0], LIMITS.partition) || !inBound(item[1], LIMITS.attempt))
    bad('started items must be [p, a] pairs in bounds');
}

export function validateAgentMessage(v: unknown): AgentMessage {
  if (!isObj(v)) bad('message must be a map');
  switch (v.type) {
    case 'hello': {
      int(v, 'protocol');
      str(v, 'agentVersion', MAX_LENGTH.agentVersion);
      if (str(v, 'name', MAX_LENGTH.agentName).length === 0) bad('name must not be empty');
      bounded(v, 'slots', LIMITS.slots);
      if (!isOneOf(v.mode, AGENT_MODES)) bad('mode must be threads, processes or auto');
      for (const [i, m] of arr(v, 'modes', 2).entries()) mode(m, `modes[${i}]`);
      bounded(v, 'maxPrefetch', LIMITS.maxPrefetch);
      hardware(v.hardware);
      if (v.previousSessionId !== undefined) str(v, 'previousSessionId', MAX_LENGTH.sessionId);
      return v as unknown as AgentMessage;
    }
    case 'heartbeat':
      int(v, 'seq');
      num(v, 'sentAt');
      if (v.load !== undefined) load(v.load);
      return v as unknown as AgentMessage;
    case 'results':
      str(v, 'jobId', MAX_LENGTH.jobId);
      arr(v, 'items').forEach(resultItem);
      return v as unknown as AgentMessage;
    case 'started':
      str(v, 'jobId', MAX_LENGTH.jobId);
      arr(v, 'items').forEach(pair);
      return v as unknown as AgentMessage;
    case 'mode-change':
      str(v, 'task', MAX_LENGTH.taskName);
      mode(v.mode, 'mode');
      if (!isOneOf(v.why, MODE_REASONS)) bad('why must be a mode reason');
      if (v.evidence !== undefined) v.evidence = wireError(v.evidence, 'evidence');
      return v as unknown as AgentMessage;
    case 'draining':
      return v as unknown as AgentMessage;
    case 'bundle-get':
      str(v, 'jobId', MAX_LENGTH.jobId);
      hash(v);
      bounded(v, 'offset', LIMITS.bundleBytes);
      return v as unknown as AgentMessage;
    case 'shared-get':
      str(v, 'jobId', MAX_LENGTH.jobId);
      hash(v);
      bounded(v, 'offset', LIMITS.sharedBytes);
      return v as unknown as AgentMessage;
    default:
      return bad(`unknown type ${JSON.stringify(v.type)}`);
  }
}

export function validateCoordinatorMessage(v: unknown): CoordinatorMessage {
  if (!isObj(v)) bad('message must be a map');
  switch (v.type) {
    case 'welcome':
      int(v, 'protocol');
      str(v, 'sessionId', MAX_LENGTH.sessionId);
      if (v.coordinatorId !== undefined) str(v, 'coordinatorId', MAX_LENGTH.sessionId);
      int(v, 'heartbeatMs', 1);
      int(v, 'heartbeatTimeoutMs', 1);
      if (v.maxPayloadBytes !== undefined) int(v, 'maxPayloadBytes', MIN_FRAME_BYTES, MAX_FRAME_BYTES);
      return v as unknown as CoordinatorMessage;
    case 'assign':
      str(v, 'jobId', MAX_LENGTH.jobId);
      str(v, 'task', MAX_LENGTH.taskName);
      if (!isOneOf(v.isolation, ISOLATIONS)) bad('isolation must be thread, process or auto');
      bounded(v, 'timeoutMs', LIMITS.timeoutMs);
      if (v.shared !== undefined) sharedRef(v.shared);
      if (v.sharedInput !== undefined && v.sharedInput !== true) bad('sharedInput must be true when present');
      if (v.priority !== undefined) bounded(v, 'priority', LIMITS.priority);
      for (const item of arr(v, 'items')) {
        if (!isObj(item)) bad('assign items must be maps');
        bounded(item, 'p', LIMITS.partition);
        bounded(item, 'a', LIMITS.attempt);
      }
      return v as unknown as CoordinatorMessage;
    case 'cancel':
      str(v, 'jobId', MAX_LENGTH.jobId);
      if (v.items !== undefined) arr(v, 'items');
      return v as unknown as CoordinatorMessage;
    case 'heartbeat':
      int(v, 'seq');
      num(v, 'sentAt');
      return v as unknown as CoordinatorMessage;
    case 'bundle-part':
      part(v, LIMITS.bundleBytes, BUNDLE_CHUNK_BYTES);
      return v as unknown as CoordinatorMessage;
    case 'shared-part':
      part(v, LIMITS.sharedBytes, SHARED_CHUNK_BYTES);
      return v as unknown as CoordinatorMessage;
    case 'bundle-refused':
    case 'shared-refused':
      hash(v);
      v.error = wireError(v.error, 'error');
      return v as unknown as CoordinatorMessage;
    case 'release':
      str(v, 'jobId', MAX_LENGTH.jobId);
      return v as unknown as CoordinatorMessage;
    default:
      return bad(`unknown type ${JSON.stringify(v.type)}`);
  }
}

export function decodeAgentMessage(frame: Uint8Array): AgentMessage {
  return validateAgentMessage(decodeRaw(frame));
}

export function decodeCoordinatorMessage(frame: Uint8Array): CoordinatorMessage {
  return validateCoordinatorMessage(decodeRaw(frame));
}
