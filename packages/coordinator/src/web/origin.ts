/**
 * The Origin check on state-changing requests (POST, PUT, DELETE). A
 * browser sends `Origin` on every such request; it must name this
 * coordinator (scheme, host and port as the request addressed it), or a
 * page elsewhere could make the browser act for its user (CSRF, also against
 * a coordinator on loopback without a token). A request authenticated by
 * the session cookie must carry it. The CLI and the SDK send no Origin and
 * authenticate with the bearer token: they are unaffected.
 */
import type { IncomingMessage } from 'node:http';
import { CohortError, ErrorCode } from '@cohort/shared';
import { overTls } from './cookies.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

export function changesState(req: IncomingMessage): boolean {
  return STATE_CHANGING.has(req.method ?? '');
}

/** This request's own origin as the client addressed it (`http://host:port`), or undefined without a usable Host. */
export function ownOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (typeof host !== 'string' || host.length === 0 || /[\s/\\@?#]/.test(host)) return undefined;
  try {
    return new URL(`${overTls(req) ? 'https' : 'http'}://${host}`).origin;
  } catch {
    return undefined;
  }
}

function sameOrigin(presented: string, own: string | undefined): boolean {
  if (own === undefined) return false;
  try {
    const url = new URL(presented);
    // `new URL` accepts paths and credentials; an Origin header has neither.
    return url.origin === own && presented.replace(/\/$/, '').toLowerCase() === url.origin.toLowerCase();
  } catch {
    return false; // `null` (a sandboxed frame, a file: page) and anything malformed
  }
}

/**
 * Throw FORBIDDEN when a state-changing request carries a foreign Origin,
 * or arrives on the session cookie without one.
 */
export function checkOrigin(req: IncomingMessage, via: 'open' | 'bearer' | 'cookie'): void {
  if (!changesState(req)) return;
  const origin = req.headers.origin;
  if (typeof origin === 'string') {
    if (!sameOrigin(origin, ownOrigin(req))) {
      throw new CohortError(
        ErrorCode.FORBIDDEN,
        `cross-origin ${req.method} refused: Origin must be this coordinator's own (${ownOrigin(req) ?? 'unknown host'})`,
      );
    }
    return;
  }
  if (via === 'cookie') throw new CohortError(ErrorCode.FORBIDDEN, `${req.method} on the session cookie needs an Origin header`);
}
