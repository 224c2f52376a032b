/**
 * The checks on the coordinator's TLS options (compileOptions calls them),
 * and the rule "secure by default beyond loopback": a coordinator bound to
 * a non-loopback address needs a token AND TLS, unless the operator says
 * `--insecure-no-tls` (a private network), which is logged at start.
 */
import { CohortError, ErrorCode, invalidOption, isLoopbackHost } from '@cohort/shared';
import type { TlsServerOptions } from '../options.js';

/** Whether TLS is on: a certificate from files, or `auto`. */
export function tlsEnabled(tls: TlsServerOptions | undefined): boolean {
  return tls !== undefined && (tls.auto === true || tls.certFile !== undefined || tls.keyFile !== undefined);
}

/** The compiled form: undefined when TLS is off; INVALID_OPTION naming the flags for a combination that cannot work. */
export function checkTlsOptions(tls: TlsServerOptions | undefined, insecureNoTls: boolean): TlsServerOptions | undefined {
  if (typeof insecureNoTls !== 'boolean') throw invalidOption('insecureNoTls must be true or false');
  if (tls === undefined) return undefined;
  if (typeof tls !== 'object' || tls === null) throw invalidOption('tls must be an object ({certFile, keyFile} or {auto: true})');
  const { certFile, keyFile, auto, names, clientCaFile } = tls;
  for (const [name, value] of [
    ['certFile (--tls-cert)', certFile],
    ['keyFile (--tls-key)', keyFile],
    ['clientCaFile (--tls-client-ca)', clientCaFile],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) throw invalidOption(`tls.${name} must be a file path`);
  }
  if (auto !== undefined && typeof auto !== 'boolean') throw invalidOption('tls.auto must be true or false');
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n.length === 0 || n.length > 253))) {
    throw invalidOption('tls.names (--tls-name) must be host names or IP addresses');
  }
  if ((certFile === undefined) !== (keyFile === undefined)) throw invalidOption('tls.certFile (--tls-cert) and tls.keyFile (--tls-key) go together');
  if (auto && certFile !== undefined)
    throw invalidOption('tls.auto (--tls auto) and tls.certFile/keyFile (--tls-cert/--tls-key) are two sources of one certificate: choose one');
  const enabled = tlsEnabled(tls);
  if (!enabled && clientCaFile !== undefined) throw invalidOption('tls.clientCaFile (--tls-client-ca) needs TLS: add --tls auto or --tls-cert and --tls-key');
  if (!auto && names !== undefined && names.length > 0) throw invalidOption('tls.names (--tls-name) are for the auto certificate only (--tls auto)');
  if (enabled && insecureNoTls) throw invalidOption('insecureNoTls (--insecure-no-tls) and TLS (--tls auto, --tls-cert) contradict each other: choose one');
  return enabled ? { ...tls, ...(names && { names: [...names] }) } : undefined;
}

/** INSECURE_BIND for a non-loopback bind without a token, or without TLS (unless insecureNoTls). */
export function checkBind(host: string, hasToken: boolean, tlsOn: boolean, insecureNoTls: boolean): void {
  if (isLoopbackHost(host)) return;
  if (!hasToken) {
    throw new CohortError(
      ErrorCode.INSECURE_BIND,
      `refusing to bind ${host} without a token: pass --token or --token-file (or set COHORT_TOKEN), or bind 127.0.0.1`,
    );
  }
  if (!tlsOn && !insecureNoTls) {
    throw new CohortError(
      ErrorCode.INSECURE_BIND,
      `refusing to bind ${host} without TLS, where the token would cross the network in clear: pass --tls auto (or --tls-cert and --tls-key), or --insecure-no-tls on a private network you trust`,
    );
  }
}
