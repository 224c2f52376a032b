/**
 * The journal's on-disk format, with no I/O. Each record is one frame:
 *
 *   [u32 LE payload length][u32 LE crc32(payload)][payload = msgpack(record)]
 *
 * The payload is a map whose first key is always `kind` (the writer puts it
 * first), which lets a reader that lost framing find the next frame cheaply.
 *
 * `scanJournal` walks a file's bytes and reports every good record, every
 * damaged range (a bad frame with a valid frame after it: reading resyncs on
 * that frame) and a torn tail (bytes after the last good frame that hold no
 * valid frame: a write cut short). It never throws: damage is data to report.
 */
import { encode } from '@cohort/shared';
import { crc32 } from './crc32.js';
import { decodeRecord, type JournalRecord } from './journal-record.js';

export { decodeRecord } from './journal-record.js';
export type { FinishedStatus, JournalFinished, JournalJob, JournalRecord, JournalResultItem, SlotModeName } from './journal-record.js';

export const HEADER_BYTES = 8;
/** Largest payload a frame may claim; anything larger is corrupt framing. */
export const MAX_RECORD_BYTES = 0x7fffffff;
/** The smallest payload a record can have (`{kind}` alone is not a record, so this is generous). */
const MIN_PAYLOAD_BYTES = 8;

export function encodeFrame(record: JournalRecord): Buffer {
  // `kind` first, always: the resync scan looks for it (see startsLikeRecord).
  const payload = encode(Object.assign({ kind: record.kind }, record));
  if (payload.length > MAX_RECORD_BYTES) throw new RangeError(`journal record of ${payload.length} bytes exceeds ${MAX_RECORD_BYTES}`);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

export type FrameProblem = 'short header' | 'bad length' | 'short payload' | 'crc mismatch' | 'bad record';

type FrameCheck = { ok: true; end: number; record: JournalRecord } | { ok: false; reason: FrameProblem };

/** Check the frame at `offset`: header, length, CRC, then decode and shape-check the payload. */
function checkFrame(buf: Buffer, offset: number): FrameCheck {
  if (buf.length - offset < HEADER_BYTES) return { ok: false, reason: 'short header' };
  const length = buf.readUInt32LE(offset);
  if (length === 0 || length > MAX_RECORD_BYTES) return { ok: false, reason: 'bad length' };
  const end = offset + HEADER_BYTES + length;
  if (end > buf.length) return { ok: false, reason: 'short payload' };
  if (crc32(buf, offset + HEADER_BYTES, end) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'crc mismatch' };
  const record = decodeRecord(buf.subarray(offset + HEADER_BYTES, end));
  return record === undefined ? { ok: false, reason: 'bad record' } : { ok: true, end, record };
}

const KIND_KEY = Buffer.from([0xa4, 0x6b, 0x69, 0x6e, 0x64]); // msgpack str "kind"

/** A cheap test before the CRC: a sane length that fits, and a payload that opens a map with key `kind`. */
function startsLikeRecord(buf: Buffer, offset: number): boolean {
  const length = buf.readUInt32LE(offset);
  if (length < MIN_PAYLOAD_BYTES || offset + HEADER_BYTES + length > buf.length) return false;
  const p = offset + HEADER_BYTES;
  const marker = buf[p]!;
  const key = (marker & 0xf0) === 0x80 ? p + 1 : marker === 0xde ? p + 3 : -1;
  return key > 0 && buf.compare(KIND_KEY, 0, KIND_KEY.length, key, key + KIND_KEY.length) === 0;
}

/**
 * The offset of the first valid frame at or after `from`, or undefined. Every
 * candidate is tried, byte by byte in effect, but found through the `kind` key
 * its payload must open with (a native search), so a long run of zeros or
 * garbage costs about as much as a memchr.
 */
export function nextValidFrame(buf: Buffer, from: number): number | undefined {
  for (let k = buf.indexOf(KIND_KEY, from + HEADER_BYTES + 1); k >= 0; k = buf.indexOf(KIND_KEY, k + 1)) {
    // The key follows a map16 marker and count (3 bytes) or a fixmap marker (1 byte).
    for (const p of [k - HEADER_BYTES - 3, k - HEADER_BYTES - 1]) {
      if (p >= from && startsLikeRecord(buf, p) && checkFrame(buf, p).ok) return p;
    }
  }
  return undefined;
}

/** A range of bytes that held no valid frame. */
export interface Damage {
  offset: number;
  bytes: number;
  reason: FrameProblem;
}

export interface ScanResult {
  /** Good records read. */
  records: number;
  /** Damaged ranges, each followed by a valid frame (or, in a file with no valid frame at all, the whole file). */
  damaged: Damage[];
  /** Bytes after the last good frame that hold no valid frame: a write cut short. Safe to cut off. */
  tail?: Damage;
  /** Where the last good frame ends. */
  goodBytes: number;
}

/**
 * Read every frame in `buf`. A bad frame starts a damaged range; reading
 * resyncs on the next valid frame, and the range ends there. When no valid
 * frame follows, the range is a torn tail instead. A non-empty file with no
 * valid frame at all is damage, unless it is one frame cut short.
 */
export function scanJournal(buf: Buffer, onRecord: (record: JournalRecord, offset: number) => void): ScanResult {
  const result: ScanResult = { records: 0, damaged: [], goodBytes: 0 };
  let offset = 0;
  while (offset < buf.length) {
    const check = checkFrame(buf, offset);
    if (check.ok) {
      result.records++;
      onRecord(check.record, offset);
      offset = result.goodBytes = check.end;
      continue;
    }
    const next = nextValidFrame(buf, offset + 1);
    if (next === undefined) {
      result.tail = { offset, bytes: buf.length - offset, reason: check.reason };
      break;
    }
    result.damaged.push({ offset, bytes: next - offset, reason: check.reason });
    offset = next;
  }
  if (result.records === 0 && result.tail && !cutShortFrame(result.tail)) {
    result.damaged.push(result.tail);
    delete result.tail;
  }
  return result;
}

/** Is `tail` a frame whose write was cut short (and not, say, a run of zeros claiming a length of 0)? */
function cutShortFrame(tail: Damage): boolean {
  return tail.reason === 'short payload' || tail.reason === 'short header';
}

/** `buf` without its damaged ranges and torn tail: the good frames only, byte for byte. */
export function withoutDamage(buf: Buffer, scan: ScanResult): Buffer {
  const cuts = [...scan.damaged, ...(scan.tail ? [scan.tail] : [])].sort((a, b) => a.offset - b.offset);
  const kept: Buffer[] = [];
  let at = 0;
  for (const cut of cuts) {
    if (cut.offset > at) kept.push(buf.subarray(at, cut.offset));
    at = cut.offset + cut.bytes;
  }
  if (at < buf.length) kept.push(buf.subarray(at));
  return Buffer.concat(kept);
}
