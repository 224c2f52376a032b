/**
 * What a journal record holds, and the shape check every decoded payload must
 * pass before it is believed. A payload whose CRC matches but whose shape is
 * wrong is damage, like any other.
 */
import {
  FINISHED_JOB_STATUSES,
  LIMITS,
  SLOT_MODES,
  decodeRaw,
  inBound,
  isBundleHash,
  isOneOf,
  isSharedKind,
  type FinishedJobStatus,
  type SharedRef,
  type SlotMode,
} from '@cohort/shared';

export interface JournalJob {
  jobId: string;
  task: string;
  input: unknown;
  partitions: number;
  timeoutMs: number;
  maxAttempts: number;
  /** The job's weight (LIMITS.priority); absent for 1, and in journals written before it existed. */
  priority?: number;
  createdAt: number;
  /** The job's shared value (its bytes are in the shared store, not here); absent without one. */
  shared?: SharedRef;
}

export type SlotModeName = SlotMode;
export interface JournalResultItem {
  p: number;
  a: number;
  value: unknown;
  agent: string;
  ms: number;
  mode: SlotModeName;
}
export type FinishedStatus = FinishedJobStatus;
export interface JournalFinished {
  status: FinishedStatus;
  result?: unknown;
  error?: { code: string; message: string };
}

export type JournalRecord =
  | { kind: 'job'; job: JournalJob }
  | { kind: 'results'; jobId: string; items: JournalResultItem[] }
  | { kind: 'finished'; jobId: string; status: FinishedStatus; result?: unknown; error?: { code: string; message: string } };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function isJob(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof v.jobId === 'string' &&
    typeof v.task === 'string' &&
    Number.isInteger(v.partitions) &&
    isNum(v.timeoutMs) &&
    Number.isInteger(v.maxAttempts) &&
    isNum(v.createdAt) &&
    (v.priority === undefined || inBound(v.priority, LIMITS.priority)) &&
    (v.shared === undefined || isSharedRef(v.shared))
  );
}

function isSharedRef(v: unknown): boolean {
  return isObj(v) && isBundleHash(v.hash) && Number.isSafeInteger(v.bytes) && (v.bytes as number) >= 0 && isSharedKind(v.kind);
}

function isItem(v: unknown): boolean {
  return (
    isObj(v) &&
    Number.isInteger(v.p) &&
    (v.p as number) >= 0 &&
    Number.isInteger(v.a) &&
    typeof v.agent === 'string' &&
    isNum(v.ms) &&
    isOneOf(v.mode, SLOT_MODES)
  );
}

function isFinished(r: Obj): boolean {
  if (typeof r.jobId !== 'string' || !isOneOf(r.status, FINISHED_JOB_STATUSES)) return false;
  return r.error === undefined || (isObj(r.error) && typeof r.error.code === 'string' && typeof r.error.message === 'string');
}

/** Decode and shape-check one payload; undefined when it is not a journal record. */
export function decodeRecord(payload: Uint8Array): JournalRecord | undefined {
  let value: unknown;
  try {
    value = decodeRaw(payload);
  } catch {
    return undefined;
  }
  if (!isObj(value)) return undefined;
  switch (value.kind) {
    case 'job':
      return isJob(value.job) ? (value as JournalRecord) : undefined;
    case 'results':
      return typeof value.jobId === 'string' && Array.isArray(value.items) && value.items.every(isItem) ? (value as JournalRecord) : undefined;
    case 'finished':
      return isFinished(value) ? (value as JournalRecord) : undefined;
    default:
      return undefined;
  }
}
