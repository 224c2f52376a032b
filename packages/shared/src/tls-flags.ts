/**
 * The TLS trust of a client or agent from its flags and environment:
 * `--tls-ca FILE` (else COHORT_TLS_CA, a PEM file path), `--tls-fingerprint
 * sha256:HEX` (else COHORT_TLS_FINGERPRINT), and for mutual TLS `--tls-cert
 * FILE` with `--tls-key FILE`. Files are read here; an error names the flag
 * and the path, never what a key file holds.
 *
 * The trust is one choice, made in one place: a trust flag (either one)
 * ignores both trust variables, so that a pin left in the environment
 * never overrides --tls-ca, nor a stale COHORT_TLS_CA breaks
 * --tls-fingerprint; both flags, or both variables, are refused.
 */
import { readFileSync, statSync } from 'node:fs';
import { CohortError, ErrorCode } from './errors.js';
import { normalizeFingerprint, TLS_ENV, type TlsClientOptions } from './tls.js';

/** A PEM file larger than this is not a certificate bundle or a key. */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;

export interface TlsFlags {
  /** --tls-ca: a PEM bundle's path. */
  ca?: string | undefined;
  /** --tls-fingerprint */
  fingerprint?: string | undefined;
  /** --tls-cert: the client certificate's path (mutual TLS). */
  cert?: string | undefined;
  /** --tls-key: its private key's path. */
  key?: string | undefined;
}

const ONE_TRUST = 'pass one: --tls-fingerprint pins the certificate, --tls-ca trusts a CA';

interface Trust {
  caFile: string | undefined;
  /** The flag or variable the CA came from, for errors. */
  caFrom: string;
  pin: string | undefined;
  pinFrom: string;
}

/** Where the trust comes from: the flags when either is given, else the environment; never both a CA and a pin. */
function trustOf(flags: TlsFlags, env: NodeJS.ProcessEnv): Trust {
  if (flags.ca !== undefined || flags.fingerprint !== undefined) {
    if (flags.ca !== undefined && flags.fingerprint !== undefined)
      throw new CohortError(ErrorCode.INVALID_OPTION, `--tls-ca and --tls-fingerprint: ${ONE_TRUST}`);
    return { caFile: flags.ca, caFrom: '--tls-ca', pin: flags.fingerprint, pinFrom: '--tls-fingerprint' };
  }
  const caFile = env[TLS_ENV.ca] || undefined;
  const pin = env[TLS_ENV.fingerprint] || undefined;
  if (caFile !== undefined && pin !== undefined)
    throw new CohortError(ErrorCode.INVALID_OPTION, `${TLS_ENV.ca} and ${TLS_ENV.fingerprint} are both set: ${ONE_TRUST}`);
  return { caFile, caFrom: TLS_ENV.ca, pin, pinFrom: TLS_ENV.fingerprint };
}

/** The TlsClientOptions the flags (which, when either trust flag is given, ignore the trust variables) and the environment ask for; undefined when neither says anything. */
export function tlsClientFromFlags(flags: TlsFlags, env: NodeJS.ProcessEnv = process.env): TlsClientOptions | undefined {
  const { caFile, caFrom, pin, pinFrom } = trustOf(flags, env);
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new CohortError(ErrorCode.INVALID_OPTION, '--tls-cert and --tls-key go together: pass both (a client certificate and its key) or neither');
  }
  const options: TlsClientOptions = {};
  if (caFile !== undefined) options.ca = readPem(caFrom, caFile, 'CERTIFICATE');
  if (pin !== undefined) options.fingerprint = pinFlag(pinFrom, pin);
  if (flags.cert !== undefined) options.cert = readPem('--tls-cert', flags.cert, 'CERTIFICATE');
  if (flags.key !== undefined) options.key = readPem('--tls-key', flags.key, 'PRIVATE KEY');
  return Object.keys(options).length > 0 ? options : undefined;
}

function pinFlag(name: string, value: string): string {
  try {
    return normalizeFingerprint(value);
  } catch (err) {
    throw new CohortError(ErrorCode.INVALID_OPTION, `${name}: ${(err as Error).message}`);
  }
}

/** A PEM file's text: INVALID_OPTION naming the flag when it cannot be read or holds no `-----BEGIN …LABEL-----`. */
function readPem(flag: string, file: string, label: string): string {
  let text: string;
  try {
    if (statSync(file).size > MAX_PEM_FILE_BYTES) throw new Error('too large');
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CohortError(ErrorCode.INVALID_OPTION, `${flag} ${JSON.stringify(file)} is not a readable file of at most ${MAX_PEM_FILE_BYTES} bytes`);
  }
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) {
    throw new CohortError(ErrorCode.INVALID_OPTION, `${flag} ${JSON.stringify(file)} holds no PEM ${label.toLowerCase()} (-----BEGIN ${label}-----)`);
  }
  return text;
}
