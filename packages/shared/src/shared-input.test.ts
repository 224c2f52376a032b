/** A value as the bytes a job shares, and back (what the SDK's `shared` option uploads and `ctx.shared` reads). */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { sharedBytesOf, sharedView } from './shared-input.js';

const roundTrip = (value: unknown) => {
  const { kind, data } = sharedBytesOf(value);
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return { kind, back: sharedView(copy.buffer, kind) };
};

describe('sharedBytesOf', () => {
  it('takes a typed array as its kind and its own bytes, a Buffer as bytes, and JSON as json', () => {
    const f = new Float64Array([1.5, -2]);
    expect(roundTrip(f)).toEqual({ kind: 'float64', back: f });
    expect(roundTrip(new Float64Array([9, 1.5, -2, 9]).subarray(1, 3))).toEqual({ kind: 'float64', back: f });
    expect(roundTrip(Buffer.from([1, 2]))).toEqual({ kind: 'bytes', back: new Uint8Array([1, 2]) });
    expect(roundTrip({ a: [1] })).toEqual({ kind: 'json', back: { a: [1] } });
  });

  it('takes an ArrayBuffer, a SharedArrayBuffer and a DataView as their bytes, not as the JSON `{}`', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const sab = new SharedArrayBuffer(4);
    new Uint8Array(sab).set(bytes);
    expect(roundTrip(bytes.slice().buffer)).toEqual({ kind: 'bytes', back: bytes });
    expect(roundTrip(sab)).toEqual({ kind: 'bytes', back: bytes });
    expect(roundTrip(new DataView(new Uint8Array([0, 1, 2, 3, 4, 0]).buffer, 1, 4))).toEqual({ kind: 'bytes', back: bytes });
  });

  it('refuses what is neither binary nor JSON with BAD_INPUT', () => {
    expect(() => sharedBytesOf(10n)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_INPUT }));
    expect(() => sharedBytesOf(undefined)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_INPUT }));
  });
});
