/**
 * The session cookie. Its name carries the coordinator's port: browsers
 * share cookies between ports of one host, so two coordinators on one
 * machine would otherwise log each other's sessions out.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Cookie headers longer than this are not parsed (no session is found in them). */
const MAX_COOKIE_HEADER_CHARS = 8192;

export function cookieName(req: IncomingMessage): string {
  return `cohort_session_${req.socket.localPort ?? 0}`;
}

/** Whether the request came over TLS (the cookie is then `Secure`). */
export function overTls(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/** The value of cookie `name` in the request, if present once or more (the first wins). */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > MAX_COOKIE_HEADER_CHARS) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session cookie of a request, if any. */
export function sessionCookie(req: IncomingMessage): string | undefined {
  return readCookie(req, cookieName(req));
}

/** `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, whole origin, lasting as long as the session. */
export function sessionSetCookie(req: IncomingMessage, id: string, maxAgeMs: number): string {
  const attrs = [`${cookieName(req)}=${id}`, 'HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (overTls(req)) attrs.push('Secure');
  return attrs.join('; ');
}
