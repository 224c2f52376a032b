/**
 * A job's input is journaled and handed to split: it must be a value the
 * model carries exactly, or the request is refused with 400 naming `input`.
 * Before, JSON nested past the model's depth was journaled with an encode
 * error (500 RESULT_NOT_SERIALIZABLE), and an own `__proto__` key was accepted
 * and came back from the journal renamed (a different input after a restart).
 */
import { describe, expect, it } from 'vitest';
import { type CohortError, ErrorCode, MAX_VALUE_DEPTH } from '@cohort/shared';
import { parseJobRequest } from './job-request.js';

const defaults = { maxAttempts: 3, maxPartitions: 1000 };

function refusal(body: unknown): { code: string; field: unknown; messageLength: number } {
  try {
    parseJobRequest(body, defaults);
  } catch (err) {
    const e = err as CohortError;
    return { code: e.code, field: e.details?.field, messageLength: e.message.length };
  }
  throw new Error('accepted');
}

describe('parseJobRequest: the input is checked against the value model', () => {
  it('JSON nested deeper than the model allows is 400 BAD_REQUEST naming input, with a short message', () => {
    const depth = MAX_VALUE_DEPTH + 100;
    const body = JSON.parse(`{"task":"noop","input":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
    const r = refusal(body);
    expect(r).toMatchObject({ code: ErrorCode.BAD_REQUEST, field: 'input' });
    expect(r.messageLength).toBeLessThan(1024);
  });

  it('an own "__proto__" key is 400 BAD_REQUEST naming input', () => {
    expect(refusal(JSON.parse('{"task":"noop","input":{"x":{"__proto__":{"polluted":1}}}}'))).toMatchObject({ code: ErrorCode.BAD_REQUEST, field: 'input' });
  });

  it('ordinary JSON inputs are accepted as they are', () => {
    const input = { from: 0, to: 10, list: [1, 'two', null, { deep: [[[true]]] }] };
    expect(parseJobRequest({ task: 'primes', input }, defaults).input).toBe(input);
  });
});
