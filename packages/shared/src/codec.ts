/**
 * msgpackr encoding for every frame. Binary payloads (Buffer, Uint8Array)
 * travel as msgpack `bin`, never as base64. Decoding is followed by
 * validation (validate.ts): a frame that fails either is a BAD_FRAME.
 *
 * The packr and the types it carries are the value model's (value.ts): a
 * value inside a frame (an input, a result, a journal record's value) comes
 * back exactly. `encode` walks the message once to box what msgpackr cannot
 * carry itself (Map, -0) and to bound its depth, so encoding never overflows
 * the stack; a value it cannot carry throws RESULT_NOT_SERIALIZABLE.
 */
import { CohortError, ErrorCode } from './errors.js';
import { packr, prepareValue, releaseLarge } from './value.js';

export function encode(message: unknown): Buffer {
  const frame = packr.pack(prepareValue(message, 'frame', false));
  releaseLarge(frame);
  return frame;
}

export function decodeRaw(frame: Uint8Array): unknown {
  try {
    return packr.unpack(frame);
  } catch (err) {
    throw new CohortError(ErrorCode.BAD_FRAME, 'frame is not valid msgpack', { cause: err });
  }
}
