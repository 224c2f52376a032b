/**
 * The outbox never sends a frame over the coordinator's limit and never
 * throws on a value: a batch is split until each frame fits, and an item that
 * cannot be encoded or cannot fit goes out failed with its code.
 */
import { describe, expect, it } from 'vitest';
import { RawValue, decodeAgentMessage, encodeValue, type ResultItem, type ResultsMessage } from '@cohort/shared';
import { Outbox } from './outbox.js';

const ok = (p: number, value: unknown): ResultItem => ({ p, a: 1, ok: true, value, ms: 1, mode: 'thread', why: 'agent-threads' });

function harness(maxFrameBytes: number) {
  const frames: Buffer[] = [];
  const outbox = new Outbox(
    () => true,
    100_000,
    (frame) => {
      frames.push(frame);
      return true;
    },
  );
  outbox.maxFrameBytes = maxFrameBytes;
  const items = () => frames.flatMap((f) => (decodeAgentMessage(f) as ResultsMessage).items);
  return { outbox, frames, items };
}

describe('Outbox', () => {
  it('splits results into frames under the limit, in order, none lost', () => {
    const h = harness(64 * 1024);
    const list = Array.from({ length: 100 }, (_, p) => ok(p, new RawValue(encodeValue(Buffer.alloc(4000, p)))));
    h.outbox.addResults('j', list);
    expect(h.outbox.flush()).toBe(true);
    expect(h.frames.length).toBeGreaterThan(6);
    for (const f of h.frames) expect(f.length).toBeLessThanOrEqual(64 * 1024);
    expect(h.items().map((i) => i.p)).toEqual(list.map((i) => i.p));
    expect(h.items().every((i) => i.ok && Buffer.isBuffer(i.value) && i.value.length === 4000)).toBe(true);
    expect(h.outbox.pending).toBe(0);
  });

  it('fails a single item over the limit with RESULT_TOO_LARGE, and one that cannot be encoded with RESULT_NOT_SERIALIZABLE, without throwing', () => {
    const h = harness(16 * 1024);
    const deep = Array.from({ length: 100_000 }).reduce<unknown>((v) => [v], 0);
    h.outbox.addResults('j', [ok(0, 1), ok(1, new RawValue(encodeValue(Buffer.alloc(20_000)))), ok(2, deep), ok(3, 'fine')]);
    expect(() => h.outbox.flush()).not.toThrow();
    const items = h.items();
    expect(items.map((i) => [i.p, i.ok ? 'ok' : i.error.code])).toEqual([
      [0, 'ok'],
      [1, 'RESULT_TOO_LARGE'],
      [2, 'RESULT_NOT_SERIALIZABLE'],
      [3, 'ok'],
    ]);
    expect(items[1]).toMatchObject({ ok: false, error: { details: { maxBytes: 16 * 1024 } } });
    for (const f of h.frames) expect(f.length).toBeLessThanOrEqual(16 * 1024);
  });

  it('a scheduled flush runs inside `together`, so the started and results frames of one turn leave in one write', async () => {
    const log: string[] = [];
    const outbox = new Outbox(
      (m) => log.push(m.type) > 0,
      100,
      () => log.push('results') > 0,
      (flush) => {
        log.push('cork');
        const sent = flush();
        log.push('uncork');
        return sent;
      },
    );
    outbox.addStarted('j', [[2, 1]]);
    outbox.addResults('j', [ok(0, new RawValue(encodeValue(1)))]);
    expect(log).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['cork', 'started', 'results', 'uncork']);
  });
});
