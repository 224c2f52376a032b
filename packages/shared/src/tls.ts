/**
 * TLS, as the agents and clients see it: how they are told to verify the
 * coordinator (a CA bundle, or a pinned SHA-256 fingerprint, the Syncthing
 * way), and the fingerprint's one written form, `sha256:` and 64 lowercase
 * hex digits. The coordinator prints it on start; `--tls-fingerprint` and
 * COHORT_TLS_FINGERPRINT take it (colons and upper case are accepted).
 *
 * `connectTls()` (internal/tls-connect.ts) opens a verified socket with
 * these options; nothing is written on it before the verification passed.
 */
import { X509Certificate } from 'node:crypto';
import { CohortError, ErrorCode } from './errors.js';
import { checkKeyPair } from './internal/pem-file.js';
import { twoTrusts } from './internal/two-trusts.js';

/** The environment variables a client or agent reads its TLS trust from (a flag wins). COHORT_TLS_CA names a PEM file. */
export const TLS_ENV = { ca: 'COHORT_TLS_CA', fingerprint: 'COHORT_TLS_FINGERPRINT' } as const;

/**
 * How a client or agent verifies the coordinator, and (for mutual TLS) what
 * it presents. All PEM text, not paths: the CLI reads the files.
 * With `fingerprint`, the certificate must hash to it (its chain and host
 * name are not checked: the pin is the trust); its dates still are.
 * With `ca`, the chain must lead to that bundle and the certificate must
 * name the host. With neither, the system's CAs are used. Both at once are
 * refused (one trust at a time).
 */
export interface TlsClientOptions {
  /** PEM bundle of CA certificates to trust instead of the system's. */
  ca?: string;
  /** `sha256:HEX` of the coordinator's certificate (normalizeFingerprint's form). */
  fingerprint?: string;
  /** Client certificate (PEM) for mutual TLS; with `key`. */
  cert?: string;
  /** Its private key (PEM). */
  key?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** `sha256:` and 64 lowercase hex digits, from any of `sha256:AB:CD…`, `SHA256:abcd…` or bare hex; INVALID_OPTION otherwise. */
export function normalizeFingerprint(text: string): string {
  const bare = String(text)
    .trim()
    .replace(/^sha-?256:/i, '')
    .replace(/:/g, '')
    .toLowerCase();
  if (!HEX64.test(bare)) {
    throw new CohortError(
      ErrorCode.INVALID_OPTION,
      `not a SHA-256 certificate fingerprint: ${JSON.stringify(String(text).slice(0, 120))} (sha256: and 64 hex digits)`,
    );
  }
  return `sha256:${bare}`;
}

/**
 * TLS options given in code, checked and with their `fingerprint` in the one form ('AB:CD:…' works as the flag does):
 * INVALID_OPTION for what is no fingerprint, a CA and a fingerprint together, `cert` without `key` (or the reverse),
 * and a key that is not the certificate's.
 */
export function normalizeTlsOptions(tls: TlsClientOptions | undefined): TlsClientOptions | undefined {
  if (tls === undefined) return undefined;
  if (tls.ca !== undefined && tls.fingerprint !== undefined) throw twoTrusts('tls.ca', 'tls.fingerprint');
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw new CohortError(ErrorCode.INVALID_OPTION, 'tls.cert and tls.key go together: pass both (a client certificate and its key) or neither');
  if (tls.cert !== undefined && tls.key !== undefined) checkKeyPair(tls.cert, tls.key, 'tls.cert', 'tls.key');
  if (tls.fingerprint === undefined) return tls;
  return { ...tls, fingerprint: normalizeFingerprint(tls.fingerprint) };
}

/** The fingerprint of a certificate (PEM text or DER bytes; the first certificate of a PEM bundle). */
export function fingerprintOf(cert: string | Buffer): string {
  return normalizeFingerprint(new X509Certificate(cert).fingerprint256);
}
