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
    expect(tlsClientFromFlags({}, { COHORT_TLS_CA: other })).toEqual({ ca: `${CERT}\n` });
    expect(tlsClientFromFlags({}, { COHORT_TLS_FINGERPRINT: `SHA256:${'CD'.repeat(32)}` })).toEqual({ fingerprint: `sha256:${'cd'.repeat(32)}` });
    expect(tlsClientFromFlags({ ca }, { COHORT_TLS_CA: other })).toEqual({ ca: CERT });
    expect(tlsClientFromFlags({ fingerprint: HEX.match(/../g)!.join(':') }, { COHORT_TLS_FINGERPRINT: `sha256:${'cd'.repeat(32)}` })).toEqual({
      fingerprint: `sha256:${HEX}`,
    });
  });

  it('a trust flag ignores both trust variables: an env pin never overrides --tls-ca, a stale COHORT_TLS_CA never breaks --tls-fingerprint', () => {
    expect(tlsClientFromFlags({ ca }, { COHORT_TLS_FINGERPRINT: `sha256:${'cd'.repeat(32)}` })).toEqual({ ca: CERT });
    expect(tlsClientFromFlags({ fingerprint: `sha256:${HEX}` }, { COHORT_TLS_CA: path.join(dir, 'stale.pem') })).toEqual({ fingerprint: `sha256:${HEX}` });
    // The client certificate flags are not trust flags: the environment's trust still applies with them.
    expect(tlsClientFromFlags({ cert: ca, key }, { COHORT_TLS_FINGERPRINT: `sha256:${HEX}` })).toEqual({ fingerprint: `sha256:${HEX}`, cert: CERT, key: KEY });
  });

  it('refuses both trust flags, and both trust variables: pass one', () => {
    const flags = codeOf(() => tlsClientFromFlags({ ca, fingerprint: `sha256:${HEX}` }, {}));
    expect(flags.code).toBe(ErrorCode.INVALID_OPTION);
    expect(flags.message).toContain('--tls-fingerprint pins the certificate, --tls-ca trusts a CA');
    const env = codeOf(() => tlsClientFromFlags({}, { COHORT_TLS_CA: other, COHORT_TLS_FINGERPRINT: `sha256:${HEX}` }));
    expect(env.code).toBe(ErrorCode.INVALID_OPTION);
    expect(env.message).toContain('COHORT_TLS_CA and COHORT_TLS_FINGERPRINT');
    // One flag settles it, even with both variables set.
    expect(tlsClientFromFlags({ ca }, { COHORT_TLS_CA: other, COHORT_TLS_FINGERPRINT: `sha256:${HEX}` })).toEqual({ ca: CERT });
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
