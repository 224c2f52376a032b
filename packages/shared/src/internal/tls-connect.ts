/**
 * A verified TLS socket to the coordinator, handed over only once the
 * verification passed: nothing (no token) is ever written to a peer that
 * was not verified. Node's own verification is turned off
 * (`rejectUnauthorized: false`) so that this module decides, and says why:
 * - with a pinned `fingerprint`, the certificate must hash to it and be
 *   within its dates (its chain and host name are not checked: the pin is
 *   the trust);
 * - otherwise (a `ca` bundle, or the system's CAs), Node's verdict
 *   (`socket.authorized`: chain, dates, host name) must be yes.
 * A refusal is TLS_FAILED naming both fingerprints, the presented and the
 * expected one (and the variable it came from, if it did), and the reason.
 * Options that TLS cannot use at all (a key OpenSSL will not load) are
 * INVALID_OPTION, thrown by tls.connect before any connection: retrying
 * cannot help.
 *
 * `tlsConnector()` has the shape both node:http's `createConnection(options,
 * callback)` (what `ws` passes on) and undici's `Agent({connect})` take.
 */
import { isIP } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { CohortError, ErrorCode } from '../errors.js';
import { fingerprintOf, normalizeFingerprint } from '../tls.js';
import type { TlsTrust } from './tls-flags.js';

/**
 * The most a TCP connect plus TLS handshake may take before it is given up (CONNECT_FAILED, so a reconnect may
 * follow). The agent's and the ApiClient's options (`tlsConnectTimeoutMs`) default to it.
 */
export const DEFAULT_TLS_CONNECT_TIMEOUT_MS = 10_000;

export interface TlsConnectOptions extends TlsTrust {
  host: string;
  port: number;
  /** The name sent in SNI and checked against the certificate; default `host` (none for an IP literal). */
  servername?: string | undefined;
  /** Default DEFAULT_TLS_CONNECT_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** OpenSSL's words when the peer answered a ClientHello with something that is not TLS (a plain HTTP port). */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request|record layer failure/i;

/** Open a TLS socket to `host:port` and resolve it once verified; TLS_FAILED when it is not. */
export function connectTls(options: TlsConnectOptions): Promise<TLSSocket> {
  const where = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const servername = options.servername ?? (isIP(options.host) ? undefined : options.host);
  return new Promise((resolve, reject) => {
    let socket: TLSSocket;
    try {
      socket = tls.connect({
        host: options.host,
        port: options.port,
        ...(servername && { servername }),
        ...(options.ca !== undefined && { ca: options.ca }),
        ...(options.cert !== undefined && { cert: options.cert }),
        ...(options.key !== undefined && { key: options.key }),
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      });
    } catch (err) {
      return reject(unusableOptions(err, where));
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TLS_CONNECT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      settle(new CohortError(ErrorCode.CONNECT_FAILED, `the TLS handshake with ${where} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const settle = (err?: Error) => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('secureConnect', onSecure);
      if (!err) return resolve(socket);
      socket.destroy();
      reject(err);
    };
    const onError = (err: Error) => settle(handshakeError(err, where));
    const onSecure = () => settle(verifyPeer(socket, options, where));
    socket.once('error', onError);
    socket.once('secureConnect', onSecure);
  });
}

/** TLS options that tls.connect refused outright (a key it cannot load, a CA bundle it cannot parse): INVALID_OPTION. */
function unusableOptions(err: unknown, where: string): CohortError {
  const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
  return new CohortError(ErrorCode.INVALID_OPTION, `the TLS options for ${where} cannot be used (${code}): check --tls-ca, --tls-cert and --tls-key`, {
    cause: err,
    details: { reason: code },
  });
}

/** Why the peer is refused, or undefined when it passes. */
export function verifyPeer(socket: TLSSocket, trust: TlsTrust, where: string): CohortError | undefined {
  const cert = socket.getPeerCertificate();
  const presented = cert?.fingerprint256 ? normalizeFingerprint(cert.fingerprint256) : 'none';
  if (trust.fingerprint !== undefined) {
    const expected = trust.fingerprint;
    const refuse = (reason: string) => tlsRefusal(where, presented, expected, reason, trust.from);
    if (presented !== expected) return refuse('fingerprint mismatch');
    const now = Date.now();
    if (!(Date.parse(cert.valid_from) <= now)) return refuse('CERT_NOT_YET_VALID');
    if (!(now <= Date.parse(cert.valid_to))) return refuse('CERT_HAS_EXPIRED');
    return undefined;
  }
  if (socket.authorized) return undefined;
  const expected = trust.ca !== undefined ? caFingerprint(trust.ca) : "the system's CAs";
  const reason = socket.authorizationError instanceof Error ? socket.authorizationError.message : String(socket.authorizationError ?? 'not trusted');
  return tlsRefusal(where, presented, expected, reason, trust.from, trust.ca === undefined ? SYSTEM_CAS_HINT : '');
}

/** Without a pin or a CA, how to trust a coordinator whose certificate is its own (`--tls auto`). */
const SYSTEM_CAS_HINT =
  ' (compare the presented fingerprint with the one the coordinator printed on start, then pin it with --tls-fingerprint, or pass its CA with --tls-ca)';

function caFingerprint(ca: string): string {
  try {
    return `the CA ${fingerprintOf(ca)}`;
  } catch {
    return 'the CA bundle (unreadable)';
  }
}

/** TLS_FAILED naming both fingerprints; `from` is the variable the expected trust came from, if it did. */
function tlsRefusal(where: string, presented: string, expected: string, reason: string, from: string | undefined, hint = ''): CohortError {
  const source = from ? ` (from ${from})` : '';
  return new CohortError(
    ErrorCode.TLS_FAILED,
    `refusing the coordinator at ${where}: ${reason}: it presented ${presented}, expected ${expected}${source}${hint}`,
    {
      details: { presented, expected, reason, ...(from && { from }) },
    },
  );
}

/** A handshake error as Cohort names it: TLS_FAILED for a peer that does not speak TLS or that refused us; others (ECONNREFUSED…) unchanged. */
export function handshakeError(err: Error, where: string): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || (code === 'EPROTO' && NOT_TLS.test(err.message))) {
    return new CohortError(ErrorCode.TLS_FAILED, `the coordinator at ${where} does not speak TLS (a ws:// port?)`, {
      cause: err,
      details: { reason: code },
    });
  }
  return tlsAlertError(err, where) ?? err;
}

/**
 * An alert from the peer (it refused our certificate, or asked for one we
 * do not have) as TLS_FAILED; undefined for any other error. With TLS 1.3 it
 * may arrive after the handshake, on the socket's first read.
 */
export function tlsAlertError(err: unknown, where: string): CohortError | undefined {
  const code = String((err as { code?: unknown } | undefined)?.code ?? '');
  if (!code.startsWith('ERR_SSL_') || !/ALERT/.test(code)) return undefined;
  const reason = code.replace(/^ERR_SSL_(SSLV3_|TLSV1_|TLSV13_)?/, '');
  return new CohortError(
    ErrorCode.TLS_FAILED,
    `the coordinator at ${where} refused the TLS connection: ${reason} (a client certificate missing or not trusted?)`,
    {
      cause: err,
      details: { reason: code },
    },
  );
}

/** What a connector is asked for: node:http gives `host` (and `servername` sometimes), undici `hostname`. */
export interface ConnectorRequest {
  host?: string | null | undefined;
  hostname?: string | null | undefined;
  port?: number | string | null | undefined;
  servername?: string | null | undefined;
}

export type ConnectorCallback = (err: Error | null, socket?: TLSSocket) => void;

/**
 * A connection factory for node:http's `createConnection` and undici's
 * `Agent({connect})`: returns undefined and calls back with the verified
 * socket, or with the refusal.
 */
export function tlsConnector(trust: TlsTrust, timeoutMs = DEFAULT_TLS_CONNECT_TIMEOUT_MS) {
  return (request: ConnectorRequest, callback: ConnectorCallback): undefined => {
    const host = stripBrackets(request.hostname || request.host || 'localhost');
    const port = Number(request.port) || 443;
    const servername = request.servername || (isIP(host) ? undefined : host);
    connectTls({ ...trust, host, port, servername, timeoutMs }).then(
      (socket) => callback(null, socket),
      (err: Error) => callback(err),
    );
    return undefined;
  };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
