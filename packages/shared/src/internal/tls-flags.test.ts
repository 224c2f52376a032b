import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCertificate } from '@cohort/coordinator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CohortError, ErrorCode } from '../errors.js';
import { tlsClientFromFlags as fromFlags, type TlsFlags } from './tls-flags.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-tls-flags-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n';
const HEX = 'ab'.repeat(32);

/** For a wss:// or https:// URL unless `secure` is false. */
const tlsClientFromFlags = (flags: TlsFlags, env: NodeJS.ProcessEnv, secure = true) => fromFlags(flags, env, secure);

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
    expect(tlsClientFromFlags({}, { COHORT_TLS_CA: other })).toEqual({ ca: `${CERT}\n`, from: 'COHORT_TLS_CA' });
    expect(tlsClientFromFlags({}, { COHORT_TLS_FINGERPRINT: `SHA256:${'CD'.repeat(32)}` })).toEqual({
      fingerprint: `sha256:${'cd'.repeat(32)}`,
      from: 'COHORT_TLS_FINGERPRINT',
    });
    expect(tlsClientFromFlags({ ca }, { COHORT_TLS_CA: other })).toEqual({ ca: CERT });
    expect(tlsClientFromFlags({ fingerprint: HEX.match(/../g)!.join(':') }, { COHORT_TLS_FINGERPRINT: `sha256:${'cd'.repeat(32)}` })).toEqual({
      fingerprint: `sha256:${HEX}`,
    });
  });

  it('applies the trust variables to a wss:// or https:// URL only; flags apply whatever the URL (its scheme is checked later)', () => {
    expect(tlsClientFromFlags({}, { COHORT_TLS_FINGERPRINT: `sha256:${HEX}` }, false)).toBeUndefined();
    expect(tlsClientFromFlags({}, { COHORT_TLS_CA: path.join(dir, 'stale.pem') }, false)).toBeUndefined();
    expect(tlsClientFromFlags({}, { COHORT_TLS_CA: other, COHORT_TLS_FINGERPRINT: `sha256:${HEX}` }, false)).toBeUndefined();
    expect(tlsClientFromFlags({ fingerprint: `sha256:${HEX}` }, {}, false)).toEqual({ fingerprint: `sha256:${HEX}` });
  });

  it('a trust flag ignores both trust variables: an env pin never overrides --tls-ca, a stale COHORT_TLS_CA never breaks --tls-fingerprint', () => {
    expect(tlsClientFromFlags({ ca }, { COHORT_TLS_FINGERPRINT: `sha256:${'cd'.repeat(32)}` })).toEqual({ ca: CERT });
    expect(tlsClientFromFlags({ fingerprint: `sha256:${HEX}` }, { COHORT_TLS_CA: path.join(dir, 'stale.pem') })).toEqual({ fingerprint: `sha256:${HEX}` });
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

  describe('a client certificate and key', () => {
    let pair: { cert: string; key: string; certFile: string; keyFile: string; otherKeyFile: string };
    beforeAll(async () => {
      const mine = await createCertificate({ commonName: 'client', client: true });
      const theirs = await createCertificate({ commonName: 'other', client: true });
      pair = {
        ...mine,
        certFile: file('client.pem', mine.cert),
        keyFile: file('client.key', mine.key),
        otherKeyFile: file('other.key', theirs.key),
      };
    });

    it('are taken together, checked to be a pair; the trust from the environment still applies with them', () => {
      expect(tlsClientFromFlags({ cert: pair.certFile, key: pair.keyFile }, {})).toEqual({ cert: pair.cert, key: pair.key });
      expect(tlsClientFromFlags({ cert: pair.certFile, key: pair.keyFile }, { COHORT_TLS_FINGERPRINT: `sha256:${HEX}` })).toEqual({
        fingerprint: `sha256:${HEX}`,
        cert: pair.cert,
        key: pair.key,
        from: 'COHORT_TLS_FINGERPRINT',
      });
      expect(codeOf(() => tlsClientFromFlags({ cert: pair.certFile }, {})).code).toBe(ErrorCode.INVALID_OPTION);
      expect(codeOf(() => tlsClientFromFlags({ key: pair.keyFile }, {})).code).toBe(ErrorCode.INVALID_OPTION);
    });

    it('refuses a key not of the certificate, one OpenSSL cannot load, and swapped files, naming the flag, never the key', () => {
      const mismatch = codeOf(() => tlsClientFromFlags({ cert: pair.certFile, key: pair.otherKeyFile }, {}));
      expect(mismatch.code).toBe(ErrorCode.INVALID_OPTION);
      expect(mismatch.message).toContain('--tls-key');
      const broken = codeOf(() => tlsClientFromFlags({ cert: pair.certFile, key }, {}));
      expect(broken.code).toBe(ErrorCode.INVALID_OPTION);
      expect(broken.message).toContain('--tls-key');
      expect(broken.message).not.toContain('secret-key-material');
      const swapped = codeOf(() => tlsClientFromFlags({ cert: key, key: ca }, {}));
      expect(swapped.code).toBe(ErrorCode.INVALID_OPTION);
      expect(swapped.message).not.toContain('secret-key-material');
    });
  });
});
