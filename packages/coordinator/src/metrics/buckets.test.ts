import { describe, expect, it } from 'vitest';
import { Buckets } from './buckets.js';

describe('Buckets', () => {
  it('counts a value into the first bucket whose bound it does not exceed (le is inclusive), and above every bound into +Inf only', () => {
    const b = new Buckets([1, 5, 10]);
    for (const v of [0, 1, 1.5, 5, 10, 11, 1000]) b.observe(v);
    expect(b.counts).toEqual([2, 2, 1, 2]);
    expect(b.cumulative()).toEqual([2, 4, 5]);
    expect(b.count).toBe(7);
    expect(b.sum).toBe(1028.5);
  });
});
