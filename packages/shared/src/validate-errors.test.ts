/**
 * A peer's error (a failed result, a mode-change's evidence) is kept by the
 * coordinator in the partition's failures until the job ends: what it keeps
 * of one must be bounded, whatever the peer put in it.
 */
import { describe, expect, it } from 'vitest';
import { encode } from './codec.js';
import { MAX_ERROR_DETAILS_BYTES, MAX_LENGTH } from './limits.js';
import type { ResultFailed } from './protocol.js';
import { decodeAgentMessage } from './validate.js';

const BIG = 'x'.repeat(1024 * 1024);

function failedFrame(error: Record<string, unknown>): Buffer {
  return encode({ type: 'results', jobId: 'j_0123456789', items: [{ p: 0, a: 1, ok: false, error, ms: 1, mode: 'thread', why: 'agent-threads' }] });
}

function keptError(frame: Buffer): ResultFailed['error'] {
  const msg = decodeAgentMessage(frame);
  if (msg.type !== 'results' || msg.items[0]!.ok) throw new Error('not a failed result');
  return (msg.items[0] as ResultFailed).error;
}

const BOUND = MAX_LENGTH.errorMessage + MAX_LENGTH.errorStack + MAX_ERROR_DETAILS_BYTES + 1024;

describe("a failed result's error", () => {
  it('keeps only its known fields: a megabyte under another key is dropped', () => {
    const error = keptError(failedFrame({ code: 'TASK_ERROR', name: 'Error', message: 'boom', cause: BIG, junk: { a: BIG } }));
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'name']);
    expect(encode(error).length).toBeLessThan(BOUND);
  });

  it('drops details larger than MAX_ERROR_DETAILS_BYTES (a string, many keys, nesting past the value model)', () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 50_000; i++) wide[`k${i}`] = i;
    for (const details of [{ blob: BIG }, wide]) {
      const error = keptError(failedFrame({ code: 'TASK_ERROR', name: 'Error', message: 'boom', details }));
      expect(error.details).toBeUndefined();
      expect(encode(error).length).toBeLessThan(BOUND);
    }
    // 3,000 nested arrays: our encoder refuses to write them, so splice the bytes in by hand.
    const marker = 0x7eadbeef;
    const frame = failedFrame({ code: 'TASK_ERROR', name: 'Error', message: 'boom', details: { deep: marker } });
    const at = frame.indexOf(encode(marker));
    const nested = Buffer.concat([Buffer.alloc(3000, 0x91), Buffer.from([0xc0])]);
    const spliced = Buffer.concat([frame.subarray(0, at), nested, frame.subarray(at + encode(marker).length)]);
    expect(keptError(spliced).details).toBeUndefined();
  });

  it("keeps small details, such as a slot crash's evidence, as they were", () => {
    const details = { mode: 'process', exitCode: 1, signal: null, stderrTail: 'e'.repeat(4000) };
    expect(keptError(failedFrame({ code: 'SLOT_CRASHED', name: 'CohortError', message: 'crashed', details })).details).toEqual(details);
  });
});
