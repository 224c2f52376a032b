import { describe, expect, it } from 'vitest';
import { progress } from './fixtures/progress.js';
import type { JobProgress } from '@cohort/shared';
import { BAR_MAX_CELLS, RateMeter, etaMs, formatDuration, formatRate, progressBar, progressLine, progressStats } from './progress-format.js';

describe('progressBar', () => {
  it('fills whole cells, then eighths of one, and is always `cells` wide', () => {
    expect(progressBar(0, 10)).toBe(' '.repeat(10));
    expect(progressBar(1, 10)).toBe('█'.repeat(10));
    expect(progressBar(0.5, 10)).toBe(`${'█'.repeat(5)}${' '.repeat(5)}`);
    expect(progressBar(0.0625, 4)).toBe('▎   '); // 2 eighths of the 32 in 4 cells
    expect(progressBar(0.55, 10)).toBe(`${'█'.repeat(5)}▌${' '.repeat(4)}`);
    for (const f of [0, 0.01, 0.33, 0.999, 1, 1.5, -1, Number.NaN]) expect([...progressBar(f, 17)]).toHaveLength(17);
  });
});

describe('durations, rates and ETA', () => {
  it('formats durations as m:ss and h:mm:ss, unknown as --:--', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(61_999)).toBe('1:01');
    expect(formatDuration(3_600_000 + 5 * 60_000 + 7_000)).toBe('1:05:07');
    expect(formatDuration(null)).toBe('--:--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--:--');
    expect(formatDuration(-5)).toBe('--:--');
  });
  it('formats rates with fewer decimals as they grow', () => {
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(Number.NaN)).toBe('0/s');
    expect(formatRate(2.345)).toBe('2.35/s');
    expect(formatRate(12.34)).toBe('12.3/s');
    expect(formatRate(1234.5)).toBe('1235/s');
  });
  it('estimates the time left from the rate; unknown without one, 0 when done', () => {
    expect(etaMs(50, 100, 10)).toBe(5000);
    expect(etaMs(50, 100, 0)).toBeNull();
    expect(etaMs(100, 100, 0)).toBe(0);
  });
});

describe('RateMeter', () => {
  it('measures over the last window, so that an early burst fades and a stall decays', () => {
    const m = new RateMeter(5000);
    expect(m.rate(0)).toBe(0);
    m.sample(0, 0);
    m.sample(1000, 100); // a burst: 100 in the first second
    expect(m.rate(1000)).toBeCloseTo(100);
    for (let t = 2000; t <= 10_000; t += 1000) m.sample(t, 100 + (t / 1000 - 1) * 10); // then 10/s
    expect(m.rate(10_000)).toBeCloseTo(10);
    expect(m.rate(12_500)).toBeCloseTo(5); // no progress for 2.5 s of the 5 s window
    expect(m.rate(20_000)).toBe(0);
  });
  it('interpolates the window start between samples', () => {
    const m = new RateMeter(2000);
    m.sample(0, 0);
    m.sample(4000, 40); // 10/s
    expect(m.rate(4000)).toBeCloseTo(10);
  });
});

describe('progressLine', () => {
  it('shows the bar, done/total, %, rate, ETA, elapsed, and running apart from queued', () => {
    const line = progressLine(progress(), { rate: 5, elapsedMs: 61_000, columns: 120 });
    expect(line).toMatch(/^▕█+▌? *▏ {2}45% 45\/100 · 5\.00\/s · ETA 0:11 · elapsed 1:01 · running 4 · queued 2$/);
    expect([...line].length).toBeLessThanOrEqual(117);
  });
  it('fits the terminal: a narrow one gets a shorter bar, a very narrow one none, never a wrapped line', () => {
    const cells = (columns: number) => (progressLine(progress(), { rate: 5, elapsedMs: 0, columns }).match(/▕(.*)▏/u)?.[1] ?? '').length;
    expect(cells(200)).toBe(BAR_MAX_CELLS);
    expect(cells(100)).toBeLessThan(BAR_MAX_CELLS);
    expect(cells(100)).toBeGreaterThanOrEqual(10);
    for (const columns of [200, 100, 80, 40, 10, 1, 0]) {
      const line = progressLine(progress({ requeued: 3, status: 'merging' }), { rate: 5, elapsedMs: 0, columns });
      expect([...line].length).toBeLessThanOrEqual(Math.max(1, (columns || 80) - 3));
    }
    expect(progressLine(progress(), { rate: 5, elapsedMs: 0, columns: 40 })).not.toContain('▕');
  });
  it('names a status other than running, and escapes what the coordinator sent', () => {
    const stats = progressStats(progress({ status: 'queued\x1b[2J' as JobProgress['status'], done: 0 }), { rate: 0, elapsedMs: 0 });
    expect(stats).toContain('job queued\\x1b[2J');
    expect(stats).not.toContain('\x1b');
    expect(stats).toContain('ETA --:--');
  });
});
