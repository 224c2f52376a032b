import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { checkInt, checkNumber, checkOneOf, isLoopbackHost, resolveToken } from './options.js';
import { codeOf } from '../../../test/helpers/code-of.js';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1', '192.168.1.1', '::', '[::]', '128.0.0.1', '127.0.0.1.example.com', 'localhost.evil.com', '1.127.0.0.1', ''])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('resolveToken', () => {
  it('prefers the option', () => {
    expect(resolveToken('opt', { COHORT_TOKEN: 'env' })).toBe('opt');
  });

  it('falls back to COHORT_TOKEN', () => {
    expect(resolveToken(undefined, { COHORT_TOKEN: 'env' })).toBe('env');
  });

  it('treats an empty token as none', () => {
    expect(resolveToken('', {})).toBeUndefined();
    expect(resolveToken(undefined, { COHORT_TOKEN: '' })).toBeUndefined();
    expect(resolveToken(undefined, {})).toBeUndefined();
  });
});

describe('check helpers', () => {
  it('checkInt refuses non-integers and values out of range with INVALID_OPTION', () => {
    expect(checkInt('n', 5, 1, 10)).toBe(5);
    for (const bad of [0, 11, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(codeOf(() => checkInt('n', bad, 1, 10))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('checkNumber refuses non-finite and out-of-range values', () => {
    expect(checkNumber('x', 0.5, 0, 1)).toBe(0.5);
    for (const bad of [-0.1, 1.1, Number.NaN, '0.5' as unknown as number]) expect(codeOf(() => checkNumber('x', bad, 0, 1))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('checkOneOf refuses anything not listed', () => {
    expect(checkOneOf('mode', 'auto', ['auto', 'threads'])).toBe('auto');
    expect(codeOf(() => checkOneOf('mode', 'Auto', ['auto', 'threads']))).toBe(ErrorCode.INVALID_OPTION);
  });
});
