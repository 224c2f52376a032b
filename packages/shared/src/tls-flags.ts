/**
 * The TLS trust of a client or agent from its flags and environment:
 * `--tls-ca FILE` (else COHORT_TLS_CA, a PEM file path), `--tls-fingerprint
 * sha256:HEX` (else COHORT_TLS_FINGERPRINT), and for mutual TLS `--tls-cert
 * FILE` with `--tls-key FILE`. Files are read here; an error names the flag
 * and the path, never what a key file holds.
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

/** The TlsClientOptions the flags (which win) and the environment ask for; undefined when neither says anything. */
export function tlsClientFromFlags(flags: TlsFlags, env: NodeJS.ProcessEnv = process.env): TlsClientOptions | undefined {
  const caFile = flags.ca ?? (env[TLS_ENV.ca] || undefined);
  const caFlag = flags.ca !== undefined ? '--tls-ca' : TLS_ENV.ca;
  const pin = flags.fingerprint ?? (env[TLS_ENV.fingerprint] || undefined);
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new CohortError(ErrorCode.INVALID_OPTION, '--tls-cert and --tls-key go together: pass both (a client certificate and its key) or neither');
  }
  const options: TlsClientOptions = {};
  if (caFile !== undefined) options.ca = readPem(caFlag, caFile, 'CERTIFICATE');
  if (pin !== undefined) options.fingerprint = pinFlag(flags.fingerprint !== undefined ? '--tls-fingerprint' : TLS_ENV.fingerprint, pin);
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
