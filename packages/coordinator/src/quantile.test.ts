import { describe, expect, it } from 'vitest';
import { DurationHistogram } from './quantile.js';
import { seededRandom as rng } from '@cohort/shared/internal';

function within(actual: number | undefined, expected: number, fraction: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected) / expected, `got ${actual}, expected ${expected} ±${fraction * 100}%`).toBeLessThanOrEqual(fraction);
}

describe('DurationHistogram', () => {
  it('has no quantile without samples', () => {
    const h = new DurationHistogram();
    expect(h.count).toBe(0);
    expect(h.quantile(0.5)).toBeUndefined();
  });

  it.each([0.01, 0.5, 1, 10, 123.4, 5000, 3_600_000])('the median of a constant %f ms is that value within 5%', (ms) => {
    const h = new DurationHistogram();
    for (let i = 0; i < 100; i++) h.add(ms);
    expect(h.count).toBe(100);
    within(h.quantile(0.5), ms, 0.05);
  });

  it('the median of uniform [100, 200) ms is 150 within 5%', () => {
    const random = rng(1);
    const h = new DurationHistogram();
    for (let i = 0; i < 50_000; i++) h.add(100 + 100 * random());
    within(h.quantile(0.5), 150, 0.05);
    within(h.quantile(0.9), 190, 0.05);
  });

  it('the median of exponential(mean 20 ms) is 20·ln 2 within 5%', () => {
    const random = rng(2);
    const h = new DurationHistogram();
    for (let i = 0; i < 50_000; i++) h.add(-20 * Math.log(1 - random()));
    within(h.quantile(0.5), 20 * Math.LN2, 0.05);
  });

  it('the median of log-normal(μ = ln 50, σ = 1) is 50 within 5%', () => {
    const random = rng(3);
    const h = new DurationHistogram();
    for (let i = 0; i < 50_000; i++) {
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      h.add(Math.exp(Math.log(50) + z));
    }
    within(h.quantile(0.5), 50, 0.05);
  });

  it('a few outliers do not move the median', () => {
    const h = new DurationHistogram();
    for (let i = 0; i < 99; i++) h.add(10);
    h.add(1_000_000);
    within(h.quantile(0.5), 10, 0.05);
  });

  it('quantiles are ordered', () => {
    const random = rng(4);
    const h = new DurationHistogram();
    for (let i = 0; i < 10_000; i++) h.add(random() * 1000);
    const qs = [0.1, 0.25, 0.5, 0.75, 0.9, 0.99].map((q) => h.quantile(q)!);
    for (let i = 1; i < qs.length; i++) expect(qs[i]).toBeGreaterThanOrEqual(qs[i - 1]!);
  });

  it('zero and negative durations are clamped, not lost', () => {
    const h = new DurationHistogram();
    h.add(0);
    h.add(-5);
    expect(h.count).toBe(2);
    expect(h.quantile(0.5)).toBeLessThan(0.01);
  });
});
