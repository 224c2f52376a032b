/**
 * Bearer tokens, checked in constant time. Both sides are hashed first so
 * that the comparison does not leak the token's length either. The
 * coordinator (its API, the agent upgrade, /metrics) and the agent (its
 * /metrics) use these one copies.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { tokenDigest as digest } from './token-digest.js';

export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The bearer token of a request, if any. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1] : undefined;
}

/** True when the request may proceed: no token is configured, or it presented the right one. */
export function authorized(req: IncomingMessage, token: string | undefined): boolean {
  return token === undefined || tokenMatches(token, presentedToken(req));
}
