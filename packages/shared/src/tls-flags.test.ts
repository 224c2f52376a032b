import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CohortError, ErrorCode } from './errors.js';
import { tlsClientFromFlags } from './tls-flags.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-tls-flags-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n';
const HEX = 'ab'.repeat(32);

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CohortError);
    return err as CohortError;
  }
  throw new Error('expected an error');
}

describe('tlsClientFromFlags', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ca = file('ca.pem', CERT);
  const other = file('other.pem', `${CERT}\n`);
  const key = file('key.pem', KEY);

  it('is undefined when neither flags nor environment say anything', () => {
    expect(tlsClientFromFlags({}, {})).toBeUndefined();
    expect(tlsClientFromFlags({}, { COHORT_TLS_CA: '', COHORT_TLS_FINGERPRINT: '' })).toBeUndefined();
  });

  it('reads the environment, and the flags win over it', () => {
    const env = { COHORT_TLS_CA: other, COHORT_TLS_FINGERPRINT: `SHA256:${'CD'.repeat(32)}` };
    expect(tlsClientFromFlags({}, env)).toEqual({ ca: `${CERT}\n`, fingerprint: `sha256:${'cd'.repeat(32)}` });
    expect(tlsClientFromFlags({ ca, fingerprint: HEX.match(/../g)!.join(':') }, env)).toEqual({ ca: CERT, fingerprint: `sha256:${HEX}` });
  });

  it('refuses a malformed fingerprint, naming where it came from', () => {
    const flag = codeOf(() => tlsClientFromFlags({ fingerprint: 'sha256:abc' }, {}));
    expect(flag.code).toBe(ErrorCode.INVALID_OPTION);
    expect(flag.message).toContain('--tls-fingerprint');
    const env = codeOf(() => tlsClientFromFlags({}, { COHORT_TLS_FINGERPRINT: 'md5:00' }));
    expect(env.code).toBe(ErrorCode.INVALID_OPTION);
    expect(env.message).toContain('COHORT_TLS_FINGERPRINT');
  });

  it('refuses a missing file and a file without PEM, naming the flag', () => {
    const missing = codeOf(() => tlsClientFromFlags({ ca: path.join(dir, 'nope.pem') }, {}));
    expect(missing.code).toBe(ErrorCode.INVALID_OPTION);
    expect(missing.message).toContain('--tls-ca');
    const fromEnv = codeOf(() => tlsClientFromFlags({}, { COHORT_TLS_CA: path.join(dir, 'nope.pem') }));
    expect(fromEnv.message).toContain('COHORT_TLS_CA');
    const notPem = codeOf(() => tlsClientFromFlags({ ca: file('junk.txt', 'not a certificate') }, {}));
    expect(notPem.code).toBe(ErrorCode.INVALID_OPTION);
    expect(notPem.message).toContain('--tls-ca');
  });

  it('takes a client certificate and key together, and never echoes the key', () => {
    expect(tlsClientFromFlags({ cert: ca, key }, {})).toEqual({ cert: CERT, key: KEY });
    expect(codeOf(() => tlsClientFromFlags({ cert: ca }, {})).code).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => tlsClientFromFlags({ key }, {})).code).toBe(ErrorCode.INVALID_OPTION);
    const swapped = codeOf(() => tlsClientFromFlags({ cert: key, key: ca }, {}));
    expect(swapped.code).toBe(ErrorCode.INVALID_OPTION);
    expect(swapped.message).not.toContain('secret-key-material');
  });
});
