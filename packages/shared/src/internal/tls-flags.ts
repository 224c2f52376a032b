/**
 * The TLS trust of a client or agent from its flags and environment:
 * `--tls-ca FILE` (else COHORT_TLS_CA, a PEM file path), `--tls-fingerprint
 * sha256:HEX` (else COHORT_TLS_FINGERPRINT), and for mutual TLS `--tls-cert
 * FILE` with `--tls-key FILE` (checked to be a pair). Files are read here;
 * an error names the flag and the path, never what a key file holds.
 *
 * The trust is one choice, made in one place: a trust flag (either one)
 * ignores both trust variables, so that a pin left in the environment
 * never overrides --tls-ca, nor a stale COHORT_TLS_CA breaks
 * --tls-fingerprint; both flags, or both variables, are refused. The
 * variables apply to a wss:// or https:// URL only: a pin exported for a
 * remote coordinator leaves `cohort demo` and a plain loopback coordinator
 * alone. A trust from a variable carries its name (`from`), which a
 * refusal (TLS_FAILED) repeats.
 */
import { normalizeFingerprint, TLS_ENV, type TlsClientOptions } from '../tls.js';
import { CohortError, ErrorCode } from '../errors.js';
import { readKeyPair, readPemFile } from './pem-file.js';
import { twoTrusts } from './two-trusts.js';

export { MAX_PEM_FILE_BYTES } from './pem-file.js';

/** TlsClientOptions with where the trust came from when it was not a flag (a variable's name), for errors. */
export type TlsTrust = TlsClientOptions & { from?: string };

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

interface Trust {
  caFile: string | undefined;
  /** The flag or variable the CA came from, for errors. */
  caFrom: string;
  pin: string | undefined;
  pinFrom: string;
  /** The variable's name when the trust came from the environment. */
  variable?: string;
}

const NO_TRUST: Trust = { caFile: undefined, caFrom: '--tls-ca', pin: undefined, pinFrom: '--tls-fingerprint' };

/** Where the trust comes from: the flags when either is given, else (for a secure URL) the environment; never both a CA and a pin. */
function trustOf(flags: TlsFlags, env: NodeJS.ProcessEnv, secureUrl: boolean): Trust {
  if (flags.ca !== undefined || flags.fingerprint !== undefined) {
    if (flags.ca !== undefined && flags.fingerprint !== undefined) throw twoTrusts('--tls-ca', '--tls-fingerprint');
    return { caFile: flags.ca, caFrom: '--tls-ca', pin: flags.fingerprint, pinFrom: '--tls-fingerprint' };
  }
  if (!secureUrl) return NO_TRUST;
  const caFile = env[TLS_ENV.ca] || undefined;
  const pin = env[TLS_ENV.fingerprint] || undefined;
  if (caFile !== undefined && pin !== undefined) throw twoTrusts(TLS_ENV.ca, TLS_ENV.fingerprint, 'are both set');
  const variable = caFile !== undefined ? TLS_ENV.ca : pin !== undefined ? TLS_ENV.fingerprint : undefined;
  return { caFile, caFrom: TLS_ENV.ca, pin, pinFrom: TLS_ENV.fingerprint, ...(variable && { variable }) };
}

/**
 * The TlsClientOptions the flags and the environment ask for; undefined when neither says anything. The trust
 * variables are read only when no trust flag is given and `secureUrl` (the coordinator URL is wss:// or https://).
 */
export function tlsClientFromFlags(flags: TlsFlags, env: NodeJS.ProcessEnv, secureUrl: boolean): TlsTrust | undefined {
  const { caFile, caFrom, pin, pinFrom, variable } = trustOf(flags, env, secureUrl);
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new CohortError(ErrorCode.INVALID_OPTION, '--tls-cert and --tls-key go together: pass both (a client certificate and its key) or neither');
  }
  const options: TlsTrust = {};
  if (caFile !== undefined) options.ca = readPemFile(caFrom, caFile, 'CERTIFICATE');
  if (pin !== undefined) options.fingerprint = pinFlag(pinFrom, pin);
  if (flags.cert !== undefined && flags.key !== undefined) {
    const pair = readKeyPair('--tls-cert', flags.cert, '--tls-key', flags.key);
    options.cert = pair.cert;
    options.key = pair.key;
  }
  if (Object.keys(options).length === 0) return undefined;
  return variable !== undefined ? { ...options, from: variable } : options;
}

function pinFlag(name: string, value: string): string {
  try {
    return normalizeFingerprint(value);
  } catch (err) {
    throw new CohortError(ErrorCode.INVALID_OPTION, `${name}: ${(err as Error).message}`);
  }
}
