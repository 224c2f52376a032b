/**
 * The journal's on-disk format, with no I/O. Each record is one frame:
 *
 *   [u32 LE payload length][u32 LE crc32(payload)][payload = msgpack(record)]
 *
 * `scanJournal` walks a file's bytes and reports every good record, every
 * record it skipped, and where it had to stop. It never throws: a torn or
 * corrupt journal is data to report, not an exception.
 */
import { decodeRaw, encode } from '@cohort/shared';
import { crc32 } from './crc32.js';

export interface JournalJob {
  jobId: string;
  task: string;
  input: unknown;
  partitions: number;
  timeoutMs: number;
  maxAttempts: number;
  createdAt: number;
}

export type SlotModeName = 'thread' | 'process';
export interface JournalResultItem { p: number; a: number; value: unknown; agent: string; ms: number; mode: SlotModeName }
export type FinishedStatus = 'succeeded' | 'failed' | 'cancelled';
export interface JournalFinished { status: FinishedStatus; result?: unknown; error?: { code: string; message: string } }

export type JournalRecord =
  | { kind: 'job'; job: JournalJob }
  | { kind: 'results'; jobId: string; items: JournalResultItem[] }
  | { kind: 'finished'; jobId: string; status: FinishedStatus; result?: unknown; error?: { code: string; message: string } };

export const HEADER_BYTES = 8;
/** Largest payload a frame may claim; anything larger is corrupt framing. */
export const MAX_RECORD_BYTES = 0x7fffffff;

export function encodeFrame(record: JournalRecord): Buffer {
  const payload = encode(record);
  if (payload.length > MAX_RECORD_BYTES) throw new RangeError(`journal record of ${payload.length} bytes exceeds ${MAX_RECORD_BYTES}`);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

export type FrameProblem = 'short header' | 'zero length' | 'short payload' | 'crc mismatch' | 'bad record';

type FrameCheck = { ok: true; end: number } | { ok: false; reason: FrameProblem; end: number };

/** Check the frame at `offset`: header, length and CRC. `end` is where the frame claims to end. */
function checkFrame(buf: Buffer, offset: number): FrameCheck {
  if (buf.length - offset < HEADER_BYTES) return { ok: false, reason: 'short header', end: buf.length };
  const length = buf.readUInt32LE(offset);
  if (length === 0 || length > MAX_RECORD_BYTES) return { ok: false, reason: 'zero length', end: buf.length };
  const end = offset + HEADER_BYTES + length;
  if (end > buf.length) return { ok: false, reason: 'short payload', end: buf.length };
  if (crc32(buf, offset + HEADER_BYTES, end) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'crc mismatch', end };
  return { ok: true, end };
}

export interface Skipped { offset: number; bytes: number; reason: FrameProblem }

export interface ScanResult {
  /** Good records read. */
  records: number;
  /** Records skipped in the middle, where the frame after them was intact. */
  skipped: Skipped[];
  /** Where reading stopped early: everything from `offset` to the end of the file is dropped. */
  stopped?: Skipped & { tail: boolean };
  /** Bytes worth keeping: the file is truncated to this length. */
  goodBytes: number;
}

/**
 * Read every frame in `buf`. A bad frame whose successor is intact is skipped
 * and reading goes on; otherwise framing is lost and reading stops there.
 * `tail` is true when the bad frame is the last thing in the file: the mark of
 * a write cut short.
 */
export function scanJournal(buf: Buffer, onRecord: (record: JournalRecord, offset: number) => void): ScanResult {
  const result: ScanResult = { records: 0, skipped: [], goodBytes: 0 };
  let offset = 0;
  while (offset < buf.length) {
    const check = checkFrame(buf, offset);
    if (!check.ok) {
      const resyncs = check.end < buf.length && checkFrame(buf, check.end).ok;
      if (check.reason === 'crc mismatch' && resyncs) {
        result.skipped.push({ offset, bytes: check.end - offset, reason: check.reason });
        offset = result.goodBytes = check.end;
        continue;
      }
      result.stopped = { offset, bytes: buf.length - offset, reason: check.reason, tail: check.end === buf.length };
      return result;
    }
    const record = decodeRecord(buf.subarray(offset + HEADER_BYTES, check.end));
    if (record === undefined) result.skipped.push({ offset, bytes: check.end - offset, reason: 'bad record' });
    else {
      result.records++;
      onRecord(record, offset);
    }
    offset = result.goodBytes = check.end;
  }
  return result;
}

/** Decode and shape-check one payload; undefined when it is not a journal record. */
export function decodeRecord(payload: Uint8Array): JournalRecord | undefined {
  let value: unknown;
  try {
    value = decodeRaw(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  switch (r.kind) {
    case 'job': {
      const job = r.job as Record<string, unknown> | undefined;
      return job && typeof job.jobId === 'string' && typeof job.task === 'string' && Number.isInteger(job.partitions) ? (r as JournalRecord) : undefined;
    }
    case 'results':
      return typeof r.jobId === 'string' && Array.isArray(r.items) ? (r as JournalRecord) : undefined;
    case 'finished':
      return typeof r.jobId === 'string' && typeof r.status === 'string' ? (r as JournalRecord) : undefined;
    default:
      return undefined;
  }
}
