/**
 * msgpackr encoding for every frame. Binary payloads (Buffer, Uint8Array)
 * travel as msgpack `bin`, never as base64. Decoding is followed by
 * validation (validate.ts): a frame that fails either is a BAD_FRAME.
 */
import { Packr } from 'msgpackr';
import { CohortError, ErrorCode } from './errors.js';

// Records off: every frame is self-describing, so a frame can be decoded on
// its own, with no structure table to keep in step across reconnects.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

export function encode(message: unknown): Buffer {
  return packr.pack(message);
}

export function decodeRaw(frame: Uint8Array): unknown {
  try {
    return packr.unpack(frame);
  } catch (err) {
    throw new CohortError(ErrorCode.BAD_FRAME, 'frame is not valid msgpack', { cause: err });
  }
}
