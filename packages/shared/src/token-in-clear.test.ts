import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { parseCoordinatorUrl } from './coordinator-url.js';
import { refuseTokenInClear as refuseParsed } from './token-in-clear.js';
import { normalizeTlsOptions } from './tls.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const refuseTokenInClear = (url: string, hasToken: boolean, insecureNoTls: boolean | undefined) =>
  refuseParsed(parseCoordinatorUrl(url), hasToken, insecureNoTls);

describe('refuseTokenInClear', () => {
  it('refuses a token over plain ws:// or http:// beyond loopback', () => {
    for (const url of ['ws://192.0.2.7:7070', 'http://coordinator.example:7070', 'ws://[fd00::2]:7070', 'HTTP://10.0.0.1', 'ws://128.0.0.1:1']) {
      expect(codeOf(() => refuseTokenInClear(url, true, false))).toBe(ErrorCode.TLS_REQUIRED);
    }
  });

  it('allows loopback (localhost, 127.0.0.0/8, ::1), TLS, no token, or the opt-out', () => {
    for (const url of ['ws://localhost:7070', 'http://LOCALHOST', 'ws://127.0.0.1:1', 'http://127.255.0.9', 'ws://[::1]:7070', 'http://[::ffff:127.0.0.1]:1']) {
      expect(codeOf(() => refuseTokenInClear(url, true, false))).toBe('no error');
    }
    expect(codeOf(() => refuseTokenInClear('wss://192.0.2.7:7070', true, false))).toBe('no error');
    expect(codeOf(() => refuseTokenInClear('https://192.0.2.7:7070', true, undefined))).toBe('no error');
    expect(codeOf(() => refuseTokenInClear('ws://192.0.2.7:7070', false, false))).toBe('no error');
    expect(codeOf(() => refuseTokenInClear('ws://192.0.2.7:7070', true, true))).toBe('no error');
  });

  it('names the URL and the way out, never the token', () => {
    expect(() => refuseTokenInClear('ws://192.0.2.7:7070/agent', true, false)).toThrow(/ws:\/\/192\.0\.2\.7:7070: use wss:\/\/ \(or --insecure-no-tls/);
  });
});

describe('normalizeTlsOptions', () => {
  it('puts a fingerprint given in code in the one form, and refuses what is none', () => {
    const hex = '0a'.repeat(32);
    expect(normalizeTlsOptions({ fingerprint: hex.toUpperCase().match(/../g)!.join(':') })).toEqual({ fingerprint: `sha256:${hex}` });
    expect(normalizeTlsOptions(undefined)).toBeUndefined();
    expect(normalizeTlsOptions({ ca: 'x' })).toEqual({ ca: 'x' });
    expect(codeOf(() => normalizeTlsOptions({ fingerprint: 'md5:00' }))).toBe(ErrorCode.INVALID_OPTION);
  });
});
