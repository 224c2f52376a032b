/**
 * DNS rebinding: a page at `evil.example` whose name is re-pointed at
 * 127.0.0.1 reaches a loopback server as its own origin, so neither the
 * browser's same-origin rule nor an Origin check stops it. A server without
 * a token has nothing else to stop it with: it answers only requests
 * addressed to a loopback name (Jupyter's and Vite's host check). With a
 * token, the token is the guard: a rebinding page does not have it.
 */
import { isLoopbackHost } from './options.js';

/** The host name of a `Host` header, without its port; undefined when absent or malformed. */
export function hostOfHeader(host: string | undefined): string | undefined {
  if (typeof host !== 'string' || host.length === 0 || host.length > 255) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/\\@?#]+)(?::(\d{1,5}))?$/.exec(host);
  return m ? m[1] : undefined;
}

/** True when the `Host` header names a loopback address or `localhost` (any port). */
export function addressedToLoopback(host: string | undefined): boolean {
  const name = hostOfHeader(host);
  return name !== undefined && isLoopbackHost(name);
}
