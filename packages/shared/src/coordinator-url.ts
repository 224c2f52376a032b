/**
 * A coordinator URL (ws://, wss://, http:// or https://), parsed once: the
 * one place that says whether it is secure, where it points, and its
 * http(s):// and ws(s):// forms (they name the same port). Here rather than
 * in the SDK, so that the CLI's agent and coordinator commands check and
 * print URLs without loading the SDK and its HTTP client (undici), about
 * 0.2 s of CPU at every start.
 */
import { CohortError, ErrorCode } from './errors.js';

export interface CoordinatorUrl {
  /** The scheme as given, without the colon. */
  scheme: 'ws' | 'wss' | 'http' | 'https';
  /** wss:// or https://: TLS. */
  secure: boolean;
  /** The host, IPv6 without brackets. */
  hostname: string;
  /** The port, or the scheme's default (80, 443). */
  port: number;
  /** `host:port` as written in a URL (IPv6 in brackets; the port omitted when it is the default). */
  host: string;
  /** The path as given ('/' when none). */
  pathname: string;
  /** `http://host:port` (https for a secure URL): where the API is served. */
  httpBase: string;
  /** `ws://host:port` (wss for a secure URL): what an agent connects to, without a path. */
  wsUrl: string;
}

const SCHEMES = new Set(['ws:', 'wss:', 'http:', 'https:']);

/** Parse a coordinator URL; INVALID_OPTION for what is not ws://, wss://, http:// or https://. */
export function parseCoordinatorUrl(url: string): CoordinatorUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CohortError(ErrorCode.INVALID_OPTION, `not a coordinator URL: ${JSON.stringify(String(url).slice(0, 200))} (ws://HOST:PORT or http://HOST:PORT)`);
  }
  if (!SCHEMES.has(u.protocol)) throw new CohortError(ErrorCode.INVALID_OPTION, `a coordinator URL is ws://, wss://, http:// or https://, not ${u.protocol}`);
  const scheme = u.protocol.slice(0, -1) as CoordinatorUrl['scheme'];
  const secure = scheme === 'wss' || scheme === 'https';
  return {
    scheme,
    secure,
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? (secure ? 443 : 80) : Number(u.port),
    host: u.host,
    pathname: u.pathname || '/',
    httpBase: `${secure ? 'https' : 'http'}://${u.host}`,
    wsUrl: `${secure ? 'wss' : 'ws'}://${u.host}`,
  };
}

/** `ws://h:p/x?y` → `http://h:p` (wss → https); INVALID_OPTION for anything else. */
export function httpBase(url: string): string {
  return parseCoordinatorUrl(url).httpBase;
}

/** True for a wss:// or https:// URL; false for anything else, a URL that does not parse included (its own check names it). */
export function isSecureUrl(url: string): boolean {
  try {
    return parseCoordinatorUrl(url).secure;
  } catch {
    return false;
  }
}

/**
 * INVALID_OPTION when TLS settings given explicitly (`from` names them: a flag such as --tls-fingerprint, or an
 * option) meet a plain ws:// or http:// URL. Trust from the environment is not explicit: it is applied to secure
 * URLs only (tlsClientFromFlags), so it never gets here.
 */
export function refuseTlsOverPlain(target: CoordinatorUrl, from: string | undefined): void {
  if (from === undefined || target.secure) return;
  throw new CohortError(ErrorCode.INVALID_OPTION, `${from} needs a wss:// or https:// URL, got ${target.scheme}://${target.host}`);
}
