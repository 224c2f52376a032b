/** The fetch runner over a hand-driven "link": how many requests it keeps outstanding across fetches. */
import { describe, expect, it } from 'vitest';
import { ErrorCode, RATES, SHARED_CHUNK_BYTES, sha256Hex, silentLogger, type SharedPartMessage } from '@cohort/shared';
import { SHARED_FETCH, type SharedBytes } from '../shared/shared-store.js';
import { ChunkFetch } from './fetch-machine.js';
import { FETCH_WINDOW, FetchRunner, MAX_PARTS_IN_FLIGHT } from './fetch-runner.js';

function values(n: number, bytes: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(bytes, i + 1);
    out.set(sha256Hex(b), b);
  }
  return out;
}

describe('FetchRunner', () => {
  it('keeps at most MAX_PARTS_IN_FLIGHT requests outstanding over all its fetches (the coordinator expels past RATES.bundleReadsInFlight)', async () => {
    expect(MAX_PARTS_IN_FLIGHT).toBeLessThanOrEqual(RATES.bundleReadsInFlight);
    const pending: Array<{ hash: string; offset: number }> = [];
    let maxOutstanding = 0;
    const runner = new FetchRunner<SharedBytes>({
      send: (hash, _jobId, offset) => {
        pending.push({ hash, offset });
        maxOutstanding = Math.max(maxOutstanding, pending.length);
        return true;
      },
      logger: silentLogger,
      what: 'shared value',
    });
    const all = values(3 * RATES.bundleReadsInFlight, 2 * SHARED_CHUNK_BYTES + 1);
    const results = [...all.keys()].map((hash) =>
      runner.run(new ChunkFetch(hash, 'j1', { maxBytes: 4 * SHARED_CHUNK_BYTES, window: FETCH_WINDOW }, SHARED_FETCH)),
    );
    // The coordinator answers in order, one request at a time.
    for (let i = 0; i < 10_000 && pending.length > 0; i++) {
      const { hash, offset } = pending.shift()!;
      const bytes = all.get(hash)!;
      const part: SharedPartMessage = { type: 'shared-part', hash, offset, total: bytes.length, data: bytes.subarray(offset, offset + SHARED_CHUNK_BYTES) };
      runner.receive(part);
    }
    const got = await Promise.all(results);
    expect(got.map((b) => sha256Hex(b))).toEqual([...all.keys()]);
    expect(maxOutstanding).toBeLessThanOrEqual(MAX_PARTS_IN_FLIGHT);
  });

  it('fails a fetch still waiting for its turn when it is cancelled or every fetch is aborted', async () => {
    const runner = new FetchRunner<SharedBytes>({ send: () => true, logger: silentLogger, what: 'shared value' });
    const all = values(MAX_PARTS_IN_FLIGHT + 2, 10);
    const results = [...all.keys()].map((hash) => runner.run(new ChunkFetch(hash, 'j1', { maxBytes: 100, window: FETCH_WINDOW }, SHARED_FETCH)));
    const hashes = [...all.keys()];
    expect(runner.has(hashes.at(-1)!)).toBe(true);
    runner.cancel(hashes.at(-1)!, 'nobody wants it');
    await expect(results.at(-1)).rejects.toMatchObject({ code: ErrorCode.SHARED_FETCH_FAILED });
    runner.abortAll('the link went down');
    for (const r of results) await expect(r).rejects.toMatchObject({ code: ErrorCode.SHARED_FETCH_FAILED });
    expect([...runner.hashes()]).toEqual([]);
  });
});
