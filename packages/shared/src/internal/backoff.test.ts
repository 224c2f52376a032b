import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

const take = (b: Backoff, n: number) => Array.from({ length: n }, () => b.next());

describe('Backoff', () => {
  it('grows exponentially from the initial delay up to the max (random = 1 gives the cap)', () => {
    expect(take(new Backoff({ initialMs: 100, maxMs: 5000, random: () => 1 }), 8)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('is bounded by max however many failures, with no overflow', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 5000, random: () => 1 });
    for (const delay of take(b, 1000)) {
      expect(Number.isFinite(delay)).toBe(true);
      expect(delay).toBeLessThanOrEqual(5000);
    }
  });

  it('uses full jitter from the injected random: a delay between 0 and the cap', () => {
    expect(take(new Backoff({ initialMs: 100, maxMs: 5000, random: () => 0 }), 5)).toEqual([0, 0, 0, 0, 0]);
    expect(take(new Backoff({ initialMs: 100, maxMs: 5000, random: () => 0.5 }), 4)).toEqual([50, 100, 200, 400]);
    const draws: number[] = [];
    const b = new Backoff({
      initialMs: 100,
      maxMs: 5000,
      random: () => {
        const r = [0.25, 0.75, 0.1][draws.length % 3]!;
        draws.push(r);
        return r;
      },
    });
    expect(take(b, 3)).toEqual([25, 150, 40]);
    expect(draws).toHaveLength(3); // one draw per delay
  });

  it('reset starts again from the initial delay', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 5000, random: () => 1 });
    take(b, 5);
    b.reset();
    expect(take(b, 2)).toEqual([100, 200]);
  });

  it('defaults to Math.random, staying within the cap', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 1000 });
    const delays = take(b, 200);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1000);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
  });
});

describe('Backoff without jitter', () => {
  it('gives the cap itself, and counts attempts', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 2000, jitter: false });
    expect(take(b, 7)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    expect(b.attempts).toBe(7);
  });
});
