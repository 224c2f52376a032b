/**
 * A token sent over plain ws:// or http:// to a host beyond loopback can be
 * read by anyone on the path, and a coordinator that answers TLS_REQUIRED
 * does so only after the Authorization header went out. So clients and
 * agents refuse, before any connection is opened, to attach a token to such
 * a URL, unless told the network is trusted (`--insecure-no-tls`,
 * `insecureNoTls: true`). Loopback (localhost, 127.0.0.0/8, ::1) never
 * leaves the machine and is allowed.
 */
import type { CoordinatorUrl } from './coordinator-url.js';
import { CohortError, ErrorCode } from './errors.js';
import { isLoopbackHost } from './options.js';

/** TLS_REQUIRED when `target` (parseCoordinatorUrl's) is ws:// or http:// beyond loopback and a token would be sent over it, unless `insecureNoTls`. */
export function refuseTokenInClear(target: CoordinatorUrl, hasToken: boolean, insecureNoTls: boolean | undefined): void {
  if (!hasToken || insecureNoTls === true || target.secure) return;
  if (isLoopbackHost(target.hostname)) return;
  throw new CohortError(
    ErrorCode.TLS_REQUIRED,
    `refusing to send the token in clear to ${target.scheme}://${target.host}: use ${target.scheme === 'ws' ? 'wss' : 'https'}:// (or --insecure-no-tls on a network you trust)`,
  );
}
