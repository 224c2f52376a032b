import { describe, expect, it } from 'vitest';
import { Deque } from './deque.js';
import { seededRandom as rng } from './rng.js';

const drain = (d: Deque<number>): number[] => {
  const out: number[] = [];
  for (let v = d.shift(); v !== undefined; v = d.shift()) out.push(v);
  return out;
};

describe('Deque.ints (Int32Array-backed)', () => {
  it('is FIFO for push/shift', () => {
    const d = Deque.ints();
    for (let i = 0; i < 10; i++) d.push(i);
    expect(d.length).toBe(10);
    expect(drain(d)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(d.length).toBe(0);
  });

  it('unshift puts values at the front', () => {
    const d = Deque.ints();
    d.push(1);
    d.unshift(0);
    d.unshift(5);
    expect(d.peek()).toBe(5);
    expect(drain(d)).toEqual([5, 0, 1]);
  });

  it('shift and peek on an empty deque give undefined', () => {
    const d = Deque.ints();
    expect(d.shift()).toBeUndefined();
    expect(d.peek()).toBeUndefined();
    expect(d.length).toBe(0);
  });

  it('keeps order when it grows while wrapped around', () => {
    const d = Deque.ints(4);
    // Move head into the middle of the buffer so the contents wrap.
    d.push(100);
    d.push(101);
    d.push(102);
    expect(d.shift()).toBe(100);
    expect(d.shift()).toBe(101);
    d.push(103);
    d.push(104);
    d.push(105); // wrapped: buffer full
    d.push(106); // grows
    d.unshift(99);
    expect(drain(d)).toEqual([99, 102, 103, 104, 105, 106]);
  });

  it('keeps order when it grows after unshift wraps head below zero', () => {
    const d = Deque.ints(4);
    for (let i = 0; i < 9; i++) d.unshift(i);
    expect(drain(d)).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('matches an array model over 10,000 random operations', () => {
    const random = rng(7);
    const d = Deque.ints(4);
    const model: number[] = [];
    let next = 0;
    let maxLength = 0;
    for (let op = 0; op < 10_000; op++) {
      const r = random();
      // Biased towards growth at first, then towards shrinking, so both grow and drain-with-wrap happen.
      const growBias = op < 5_000 ? 0.65 : 0.4;
      if (r < growBias / 2) {
        d.push(next);
        model.push(next++);
      } else if (r < growBias) {
        d.unshift(next);
        model.unshift(next++);
      } else {
        expect(d.shift()).toBe(model.shift());
      }
      expect(d.length).toBe(model.length);
      expect(d.peek()).toBe(model[0]);
      maxLength = Math.max(maxLength, model.length);
    }
    expect(maxLength).toBeGreaterThan(64); // it grew several times
    expect(drain(d)).toEqual(model);
  });

  it('holds large indices (up to 2^31 - 1)', () => {
    const d = Deque.ints();
    d.push(2 ** 31 - 1);
    d.push(1_999_999);
    expect(drain(d)).toEqual([2 ** 31 - 1, 1_999_999]);
  });
});

describe('Deque (array-backed)', () => {
  it('pushes, shifts and unshifts across growth and wrap-around', () => {
    const q = new Deque<number>(4);
    for (let i = 0; i < 10; i++) q.push(i);
    expect(q.shift()).toBe(0);
    expect(q.shift()).toBe(1);
    q.unshiftAll([-2, -1]);
    for (let i = 10; i < 40; i++) q.push(i);
    expect(q.length).toBe(40);
    expect(q.peek()).toBe(-2);
    const all = q.drain();
    expect(all).toEqual([-2, -1, ...Array.from({ length: 38 }, (_, i) => i + 2)]);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('filters in place, keeping order, and returns what it removed', () => {
    const q = new Deque<number>();
    for (let i = 0; i < 20; i++) q.push(i);
    expect(q.filter((n) => n % 3 !== 0)).toEqual([0, 3, 6, 9, 12, 15, 18]);
    expect(q.drain()).toEqual([1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19]);
  });
});
