/**
 * The SDK's result stream with event sequences as a coordinator sends them
 * (no sockets: the stream reads async generators of parsed events). Across a
 * re-attach every partition is yielded once; a succeeded job whose results
 * were released before the stream could take them ends with RESULTS_GONE,
 * never short and silent.
 */
import { describe, expect, it } from 'vitest';
import { CohortError, ErrorCode, packValue, type JobReport, type JobStreamEvent } from '@cohort/shared';
import { ResultStream } from './result-stream.js';

const result = (index: number, value: unknown): JobStreamEvent => ({
  event: 'result',
  data: { jobId: 'j_1', index, attempt: 1, agent: 'a', mode: 'thread', ms: 1, packed: packValue(value)! },
});
const end = (status: JobReport['status']): JobStreamEvent => ({ event: 'end', data: { jobId: 'j_1', status } as JobReport });

async function* events(list: JobStreamEvent[], broken = false): AsyncGenerator<JobStreamEvent> {
  for (const e of list) yield e;
  if (broken) throw new CohortError(ErrorCode.CONNECT_FAILED, 'the stream broke');
}

async function drain(stream: ResultStream<unknown>): Promise<{ got: Array<[number, unknown]>; error?: CohortError }> {
  const got: Array<[number, unknown]> = [];
  try {
    for await (const r of stream.results()) got.push([r.index, r.value]);
    return { got };
  } catch (error) {
    return { got, error: error as CohortError };
  }
}

describe('ResultStream', () => {
  it('yields each partition once across a re-attach that replays, with exact values', async () => {
    const replay = [result(0, 10n), result(1, new Map([[1, 'a']])), result(2, 'c'), end('succeeded')];
    const stream = new ResultStream<unknown>(3, async () => events(replay), 5_000);
    void stream.run(events([result(0, 10n), result(1, new Map([[1, 'a']]))], true));
    const { got, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(got).toEqual([
      [0, 10n],
      [1, new Map([[1, 'a']])],
      [2, 'c'],
    ]);
    expect((await stream.end).status).toBe('succeeded');
  });

  it('ends a succeeded job whose results were released before the stream re-attached with RESULTS_GONE', async () => {
    const stream = new ResultStream<unknown>(4, async () => events([end('succeeded')]), 5_000);
    void stream.run(events([result(0, 1), result(3, 4)], true));
    const { got, error } = await drain(stream);
    expect(got.map(([i]) => i)).toEqual([0, 3]);
    expect(error?.code).toBe(ErrorCode.RESULTS_GONE);
    expect(error?.details).toMatchObject({ missing: 2, partitions: 4 });
  });

  it('ends quietly for a failed job with fewer results, and fails with CONNECT_FAILED once re-attaching runs out of time', async () => {
    const failed = new ResultStream<unknown>(4, async () => events([]), 5_000);
    void failed.run(events([result(1, 2), end('failed')]));
    expect((await drain(failed)).error).toBeUndefined();

    const lost = new ResultStream<unknown>(2, async () => events([], true), 300);
    void lost.run(events([result(0, 1)], true));
    const { got, error } = await drain(lost);
    expect(got).toEqual([[0, 1]]);
    expect(error?.code).toBe(ErrorCode.CONNECT_FAILED);
  });
});
