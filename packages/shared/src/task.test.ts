import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { defineTask, splitRange, type TaskModule } from './task.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const base: TaskModule<unknown, unknown, unknown, unknown> = {
  name: 'my-task',
  split: (_input, n) => Array.from({ length: n }, (_, i) => i),
  run: (part) => part,
  merge: (results) => results,
  profile: { isolation: 'thread' },
};

describe('defineTask', () => {
  it('returns the task with its profile', () => {
    const task = defineTask(base);
    expect(task.name).toBe('my-task');
    expect(task.profile.isolation).toBe('thread');
  });

  it('defaults isolation to auto', () => {
    expect(defineTask({ ...base, profile: {} as never }).profile.isolation).toBe('auto');
  });

  it.each([
    ['uppercase', 'MyTask'],
    ['empty', ''],
    ['leading digit', '1task'],
    ['leading dash', '-task'],
    ['a path', '/abs/task.js'],
    ['65 characters', `a${'b'.repeat(64)}`],
  ])('refuses a name that is %s with INVALID_OPTION', (_why, name) => {
    expect(codeOf(() => defineTask({ ...base, name }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('accepts a 64-character name', () => {
    expect(defineTask({ ...base, name: `a${'b'.repeat(63)}` }).name).toHaveLength(64);
  });

  it.each(['split', 'run', 'merge'] as const)('refuses a task whose %s is not a function', (fn) => {
    expect(codeOf(() => defineTask({ ...base, [fn]: 'nope' } as never))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('refuses an unknown isolation', () => {
    expect(codeOf(() => defineTask({ ...base, profile: { isolation: 'vm' as never } }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('refuses a missing task', () => {
    expect(codeOf(() => defineTask(undefined as never))).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('splitRange', () => {
  const check = (from: number, to: number, n: number) => {
    const parts = splitRange(from, to, n);
    expect(parts).toHaveLength(n);
    expect(parts[0]!.from).toBe(from);
    expect(parts[n - 1]!.to).toBe(to);
    let covered = 0;
    for (let i = 0; i < n; i++) {
      const part = parts[i]!;
      if (i > 0) expect(part.from).toBe(parts[i - 1]!.to); // no gap, no overlap
      expect(part.to).toBeGreaterThanOrEqual(part.from);
      covered += part.to - part.from;
    }
    expect(covered).toBe(to - from);
    const sizes = parts.map((p) => p.to - p.from);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  };

  it.each([
    [0, 100, 4],
    [0, 100, 7],
    [5, 6, 3],
    [0, 0, 5],
    [-50, 50, 9],
    [1_000_000, 10_000_000, 13],
    [0, 2 ** 40, 1000],
  ])('[%i, %i) in %i parts covers the range exactly, near-equal sizes', (from, to, n) => check(from, to, n));

  it('covers exactly for every n from 1 to 200 over [3, 1234)', () => {
    for (let n = 1; n <= 200; n++) check(3, 1234, n);
  });
});
