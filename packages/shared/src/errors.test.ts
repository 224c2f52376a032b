import { describe, expect, it } from 'vitest';
import { CloseCode, CohortError, ErrorCode, HttpStatus, fromWireError, isErrorCode, toWireError } from './errors.js';

describe('toWireError', () => {
  it('keeps the code of a CohortError, with name, message, stack and details', () => {
    const err = new CohortError(ErrorCode.SLOT_CRASHED, 'slot died', { details: { exitCode: 134, signal: 'SIGABRT' } });
    const wire = toWireError(err);
    expect(wire.code).toBe(ErrorCode.SLOT_CRASHED);
    expect(wire.name).toBe('CohortError');
    expect(wire.message).toBe('slot died');
    expect(wire.stack).toBe(err.stack);
    expect(wire.details).toEqual({ exitCode: 134, signal: 'SIGABRT' });
  });

  it('keeps a known code on a plain Error (codes cross boundaries, not classes)', () => {
    const err = Object.assign(new Error('bad'), { code: 'BAD_INPUT' });
    expect(toWireError(err).code).toBe(ErrorCode.BAD_INPUT);
  });

  it('falls back to INTERNAL for an unknown code', () => {
    const err = Object.assign(new Error('no file'), { code: 'ENOENT' });
    expect(toWireError(err).code).toBe(ErrorCode.INTERNAL);
  });

  it('falls back to the given code for an Error without a code', () => {
    expect(toWireError(new TypeError('x is undefined'), ErrorCode.TASK_ERROR)).toMatchObject({ code: ErrorCode.TASK_ERROR, name: 'TypeError' });
  });

  it('turns a thrown non-Error into a WireError with the fallback code', () => {
    expect(toWireError('just a string', ErrorCode.TASK_ERROR)).toEqual({ code: ErrorCode.TASK_ERROR, name: 'Error', message: 'just a string' });
    expect(toWireError(undefined).code).toBe(ErrorCode.INTERNAL);
  });

  it('CohortError.toWire and fromWireError round-trip the code, details and stack', () => {
    const err = new CohortError(ErrorCode.PARTITION_TIMEOUT, 'too slow', { details: { partition: 3 } });
    const back = fromWireError(err.toWire());
    expect(back.code).toBe(ErrorCode.PARTITION_TIMEOUT);
    expect(back.details).toEqual({ partition: 3 });
    expect(back.stack).toBe(err.stack);
  });

  it('keeps the cause', () => {
    const cause = new Error('inner');
    expect(new CohortError(ErrorCode.INTERNAL, 'outer', { cause }).cause).toBe(cause);
  });
});

describe('error codes', () => {
  it('each code is its own name', () => {
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(key);
  });

  it('isErrorCode accepts known codes only', () => {
    expect(isErrorCode('BAD_FRAME')).toBe(true);
    expect(isErrorCode('bad_frame')).toBe(false);
    expect(isErrorCode(4002)).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });
});

describe('CloseCode', () => {
  it('has the documented values', () => {
    expect(CloseCode).toEqual({
      AUTH_FAILED: 4001,
      BAD_FRAME: 4002,
      FRAME_TOO_LARGE: 1009,
      PROTOCOL_VERSION: 4004,
      HANDSHAKE_FAILED: 4005,
      DECLARED_DEAD: 4006,
      SHUTTING_DOWN: 4007,
      RESULT_NOT_ISSUED: 4008,
      RATE_LIMITED: 4009,
      AUTH_REVOKED: 4010,
      INTERNAL: 1011,
    });
  });

  it('application close codes are unique and within 4000-4999', () => {
    const app = Object.entries(CloseCode).filter(([code]) => code !== 'FRAME_TOO_LARGE' && code !== 'INTERNAL');
    for (const [, n] of app) {
      expect(n).toBeGreaterThanOrEqual(4000);
      expect(n).toBeLessThanOrEqual(4999);
    }
    expect(new Set(Object.values(CloseCode)).size).toBe(Object.keys(CloseCode).length);
  });

  it('CohortError.closeCode reads the table, undefined where none applies', () => {
    expect(new CohortError(ErrorCode.DECLARED_DEAD, 'x').closeCode).toBe(4006);
    expect(new CohortError(ErrorCode.TASK_ERROR, 'x').closeCode).toBeUndefined();
  });

  it('every key of CloseCode and HttpStatus is a known error code', () => {
    for (const key of [...Object.keys(CloseCode), ...Object.keys(HttpStatus)]) expect(isErrorCode(key)).toBe(true);
  });
});
