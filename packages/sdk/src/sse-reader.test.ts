/** Reading server-sent events in whatever pieces the network cuts them into. */
import { describe, expect, it } from 'vitest';
import { readEvents } from './sse-reader.js';

function body(text: string, piece: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += piece) c.enqueue(bytes.subarray(i, i + piece));
      c.close();
    },
  });
}

const progress = (done: number) =>
  `event: progress\ndata: {"jobId":"j","status":"running","done":${done},"total":9,"running":0,"assigned":0,"attempts":1,"requeued":0,"duplicates":0,"speculative":0}\n\n`;

describe('readEvents', () => {
  it('parses the same events whatever the piece size, including a separator cut in two and a large event', async () => {
    const events = async (text: string, piece: number) => {
      const got: string[] = [];
      for await (const e of readEvents(body(text, piece)))
        got.push(e.event === 'result' ? `result:${String(e.data.value).length}` : `${e.event}:${(e.data as { done: number }).done}`);
      return got;
    };
    const result = (value: string) => `event: result\ndata: {"jobId":"j","index":0,"attempt":1,"agent":"a","mode":"thread","ms":1,"value":"${value}"}\n\n`;
    const small = `: cohort\n\n${progress(1)}${result('abc')}${progress(2)}event: unknown-kind\ndata: {}\n\n${progress(3)}`;
    for (const piece of [1, 2, 3, 7, small.length])
      expect(await events(small, piece), `piece ${piece}`).toEqual(['progress:1', 'result:3', 'progress:2', 'progress:3']);
    const big = 'x'.repeat(3 * 65536 + 7);
    const large = `${progress(1)}${result(big)}${progress(2)}`;
    for (const piece of [997, 65536, large.length])
      expect(await events(large, piece), `piece ${piece}`).toEqual(['progress:1', `result:${big.length}`, 'progress:2']);
  });
});
