import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@cohort/shared';
import { codeOf } from '../../../../test/helpers/code-of.js';
import { checkOrigin, ownOrigin } from './origin.js';

const req = (method: string, headers: Record<string, string>, encrypted = false) => ({ method, headers, socket: { encrypted } }) as unknown as IncomingMessage;

describe('checkOrigin', () => {
  const host = { host: '127.0.0.1:7070' };

  it('lets through a state-changing request from the coordinator own origin', () => {
    expect(() => checkOrigin(req('DELETE', { ...host, origin: 'http://127.0.0.1:7070' }), 'cookie')).not.toThrow();
    expect(() => checkOrigin(req('POST', { host: 'Cohort.example:443', origin: 'https://cohort.example' }, true), 'cookie')).not.toThrow();
  });

  it('refuses a foreign origin, another port, another scheme, null, or junk, whatever the credential', () => {
    for (const origin of [
      'http://evil.example',
      'http://127.0.0.1:7071',
      'https://127.0.0.1:7070',
      'null',
      '',
      'http://127.0.0.1:7070/x',
      'http://u@127.0.0.1:7070',
      'nonsense',
    ]) {
      for (const via of ['open', 'bearer', 'cookie'] as const) {
        expect(
          codeOf(() => checkOrigin(req('POST', { ...host, origin }), via)),
          `${origin} ${via}`,
        ).toBe(ErrorCode.FORBIDDEN);
      }
    }
  });

  it('refuses when the Host header is missing or strange', () => {
    expect(codeOf(() => checkOrigin(req('PUT', { origin: 'http://127.0.0.1:7070' }), 'bearer'))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => checkOrigin(req('PUT', { host: 'a@127.0.0.1:7070', origin: 'http://127.0.0.1:7070' }), 'bearer'))).toBe(ErrorCode.FORBIDDEN);
  });

  it('asks the cookie for an Origin, not the bearer token (the CLI and the SDK send none)', () => {
    expect(codeOf(() => checkOrigin(req('DELETE', host), 'cookie'))).toBe(ErrorCode.FORBIDDEN);
    expect(() => checkOrigin(req('DELETE', host), 'bearer')).not.toThrow();
    expect(() => checkOrigin(req('POST', host), 'open')).not.toThrow();
  });

  it('does not check reads', () => {
    expect(() => checkOrigin(req('GET', { ...host, origin: 'http://evil.example' }), 'cookie')).not.toThrow();
  });

  it('derives the own origin from Host and TLS, with default ports folded', () => {
    expect(ownOrigin(req('GET', { host: 'h:80' }))).toBe('http://h');
    expect(ownOrigin(req('GET', { host: 'h:443' }, true))).toBe('https://h');
    expect(ownOrigin(req('GET', { host: '[::1]:7070' }))).toBe('http://[::1]:7070');
  });
});
