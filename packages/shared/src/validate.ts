/**
 * Validation of decoded frames. Hand-written guards rather than a schema
 * library: they run once per frame and once per batch item on the hot path,
 * and they check exactly the shape the handlers rely on. A failure is a
 * CohortError with code BAD_FRAME that names the offending field.
 */
import { CohortError, ErrorCode, isErrorCode } from './errors.js';
import { decodeRaw } from './codec.js';
import { MAX_FRAME_BYTES, MIN_FRAME_BYTES } from './value.js';
import type { AgentMessage, CoordinatorMessage, ResultItem, SlotMode } from './protocol.js';

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
function num(o: Obj, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${k} must be a finite number`);
  return v;
}
function arr(o: Obj, k: string, max = 1_000_000): unknown[] {
  const v = o[k];
  if (!Array.isArray(v) || v.length > max) bad(`${k} must be an array of at most ${max} items`);
  return v;
}
function mode(v: unknown, k: string): SlotMode {
  if (v !== 'thread' && v !== 'process') bad(`${k} must be 'thread' or 'process'`);
  return v;
}

const MODE_REASONS = new Set(['agent-threads', 'agent-processes', 'profile-thread', 'profile-process', 'auto-cpu-pure', 'escalated-after-crash']);

function resultItem(v: unknown): ResultItem {
  if (!isObj(v)) bad('results item must be an object');
  int(v, 'p');
  int(v, 'a', 1);
  num(v, 'ms');
  mode(v.mode, 'mode');
  if (!MODE_REASONS.has(v.why as string)) bad('why must be a mode reason');
  if (v.ok === true) return v as unknown as ResultItem;
  if (v.ok !== false) bad('ok must be a boolean');
  const e = v.error;
  if (!isObj(e) || !isErrorCode(e.code) || typeof e.message !== 'string') bad('error must be {code, message}');
  return v as unknown as ResultItem;
}

export function validateAgentMessage(v: unknown): AgentMessage {
  if (!isObj(v)) bad('message must be a map');
  switch (v.type) {
    case 'hello': {
      int(v, 'protocol');
      str(v, 'agentVersion', 64);
      str(v, 'name', 128);
      int(v, 'slots', 1, 4096);
      if (v.mode !== 'threads' && v.mode !== 'processes' && v.mode !== 'auto') bad('mode must be threads, processes or auto');
      arr(v, 'modes', 2).forEach((m, i) => mode(m, `modes[${i}]`));
      int(v, 'maxPrefetch', 0, 1_000_000);
      if (!isObj(v.hardware)) bad('hardware must be a map');
      if (v.previousSessionId !== undefined) str(v, 'previousSessionId', 64);
      return v as unknown as AgentMessage;
    }
    case 'heartbeat':
      int(v, 'seq');
      num(v, 'sentAt');
      if (v.load !== undefined && !isObj(v.load)) bad('load must be a map');
      return v as unknown as AgentMessage;
    case 'results':
      str(v, 'jobId', 64);
      arr(v, 'items').forEach(resultItem);
      return v as unknown as AgentMessage;
    case 'started':
      str(v, 'jobId', 64);
      for (const item of arr(v, 'items')) {
        if (!Array.isArray(item) || item.length !== 2 || !Number.isInteger(item[0]) || !Number.isInteger(item[1])) bad('started items must be [p, a] pairs');
      }
      return v as unknown as AgentMessage;
    case 'mode-change':
      str(v, 'task', 256);
      mode(v.mode, 'mode');
      if (!MODE_REASONS.has(v.why as string)) bad('why must be a mode reason');
      return v as unknown as AgentMessage;
    case 'draining':
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
      str(v, 'sessionId', 64);
      int(v, 'heartbeatMs', 1);
      int(v, 'heartbeatTimeoutMs', 1);
      if (v.maxPayloadBytes !== undefined) int(v, 'maxPayloadBytes', MIN_FRAME_BYTES, MAX_FRAME_BYTES);
      return v as unknown as CoordinatorMessage;
    case 'assign':
      str(v, 'jobId', 64);
      str(v, 'task', 1024);
      if (v.isolation !== 'thread' && v.isolation !== 'process' && v.isolation !== 'auto') bad('isolation must be thread, process or auto');
      int(v, 'timeoutMs');
      for (const item of arr(v, 'items')) {
        if (!isObj(item)) bad('assign items must be maps');
        int(item, 'p');
        int(item, 'a', 1);
      }
      return v as unknown as CoordinatorMessage;
    case 'cancel':
      str(v, 'jobId', 64);
      if (v.items !== undefined) arr(v, 'items');
      return v as unknown as CoordinatorMessage;
    case 'heartbeat':
      int(v, 'seq');
      num(v, 'sentAt');
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
