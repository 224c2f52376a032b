/**
 * The bearer check of the agent's /metrics, in constant time: both sides
 * hashed first, so that neither the token nor its length leaks (the
 * coordinator's auth.ts does the same; the agent does not depend on it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** True when no token is required, or the request's `Authorization: Bearer` is the token. */
export function bearerAllowed(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization;
  const presented = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
  if (presented === undefined) return false;
  return timingSafeEqual(digest(token), digest(presented));
}
