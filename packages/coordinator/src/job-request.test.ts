import { describe, expect, it } from 'vitest';
import { type CohortError, ErrorCode, LIMITS, MAX_LENGTH } from '@cohort/shared';
import { DEFAULT_PARTITIONS, checkSplitOutput, parseJobRequest } from './job-request.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const defaults = { maxAttempts: 3, maxPartitions: 1000 };

function refusal(body: unknown): { code: string; field: unknown } {
  try {
    parseJobRequest(body, defaults);
  } catch (err) {
    return { code: (err as CohortError).code, field: (err as CohortError).details?.field };
  }
  throw new Error('accepted');
}

describe('parseJobRequest', () => {
  it('fills defaults', () => {
    expect(parseJobRequest({ task: 'noop' }, defaults)).toEqual({
      task: 'noop',
      input: undefined,
      partitions: DEFAULT_PARTITIONS,
      timeoutMs: 0,
      maxAttempts: 3,
    });
  });

  it('accepts every field at both ends of its bound', () => {
    const lo = { task: 'x', partitions: 1, timeoutMs: LIMITS.timeoutMs.min, maxAttempts: LIMITS.maxAttempts.min, priority: LIMITS.priority.min };
    const hi = {
      task: 'x'.repeat(MAX_LENGTH.taskName),
      partitions: defaults.maxPartitions,
      timeoutMs: LIMITS.timeoutMs.max,
      maxAttempts: LIMITS.maxAttempts.max,
      priority: LIMITS.priority.max,
    };
    expect(parseJobRequest(lo, defaults)).toMatchObject(lo);
    expect(parseJobRequest(hi, defaults)).toMatchObject(hi);
  });

  it('refuses a value outside a bound with BAD_REQUEST naming the field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ timeoutMs: 1e300 }, 'timeoutMs'],
      [{ timeoutMs: -1 }, 'timeoutMs'],
      [{ timeoutMs: LIMITS.timeoutMs.max + 1 }, 'timeoutMs'],
      [{ timeoutMs: 1.5 }, 'timeoutMs'],
      [{ timeoutMs: '10' }, 'timeoutMs'],
      [{ partitions: 0 }, 'partitions'],
      [{ partitions: defaults.maxPartitions + 1 }, 'partitions'],
      [{ maxAttempts: 0 }, 'maxAttempts'],
      [{ maxAttempts: LIMITS.maxAttempts.max + 1 }, 'maxAttempts'],
      [{ task: 'x'.repeat(MAX_LENGTH.taskName + 1) }, 'task'],
      [{ task: '' }, 'task'],
      [{ task: 7 }, 'task'],
      [{ priority: 0 }, 'priority'],
      [{ priority: -1 }, 'priority'],
      [{ priority: 1.5 }, 'priority'],
      [{ priority: 1e9 }, 'priority'],
      [{ priority: LIMITS.priority.max + 1 }, 'priority'],
      [{ priority: '2' }, 'priority'],
      [{ priority: null }, 'priority'],
    ];
    for (const [over, field] of cases) {
      expect({ over, ...refusal({ task: 'noop', ...over }) }).toEqual({ over, code: ErrorCode.BAD_REQUEST, field });
    }
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, 3, 'x', []]) expect(refusal(body).code).toBe(ErrorCode.BAD_REQUEST);
  });
});

describe('checkSplitOutput', () => {
  it('passes inputs the value model carries, as they are', () => {
    const inputs = [1, { a: new Map([[1, 2n]]) }, undefined];
    expect(checkSplitOutput('t', inputs, 10)).toBe(inputs);
  });

  it('refuses a non-array, too many partitions, and an input the wire cannot carry, with BAD_INPUT naming where', () => {
    expect(codeOf(() => checkSplitOutput('t', 'nope', 10))).toBe(ErrorCode.BAD_INPUT);
    expect(codeOf(() => checkSplitOutput('t', new Array(11).fill(0), 10))).toBe(ErrorCode.BAD_INPUT);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    for (const bad of [cyclic, { f: () => 1 }, Symbol('s')]) {
      let caught: unknown;
      try {
        checkSplitOutput('t', [0, bad], 10);
      } catch (err) {
        caught = err;
      }
      expect((caught as { code?: string }).code).toBe(ErrorCode.BAD_INPUT);
      expect((caught as { details?: { partition?: number; path?: string } }).details).toMatchObject({ partition: 1 });
      expect(String((caught as { details?: { path?: string } }).details?.path)).toMatch(/^partition\[1\]/);
    }
  });
});
