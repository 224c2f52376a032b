import { describe, expect, it } from 'vitest';
import type { FeedItem } from '@cohort/shared';
import { LogCursor } from './logs.js';

const item = (seq: number, text = `line ${seq}`): FeedItem => ({ seq, at: 1_000 + seq, level: 'info', text });

describe('LogCursor (cohort logs --follow)', () => {
  it('gives each item once, in order, across overlapping reads', () => {
    const cursor = new LogCursor();
    expect(cursor.take([item(1), item(2)]).map((i) => i.seq)).toEqual([1, 2]);
    expect(cursor.take([item(1), item(2), item(5)]).map((i) => i.seq)).toEqual([5]);
    expect(cursor.take([item(2), item(5)])).toEqual([]);
    expect(cursor.take([])).toEqual([]);
  });

  it('takes a read whose numbers all lie below the last as a coordinator restart: all of it is new', () => {
    const cursor = new LogCursor();
    cursor.take([item(40), item(41)]);
    expect(cursor.take([item(1, 'job j resumed')]).map((i) => i.text)).toEqual(['job j resumed']);
    expect(cursor.take([item(1), item(2)]).map((i) => i.seq)).toEqual([2]);
  });
});
