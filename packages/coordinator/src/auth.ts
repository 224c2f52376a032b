/**
 * Who may do what: the client API and the agent upgrade each check their
 * own role's tokens (constant-time sets: shared's token-set.ts), and the
 * dashboard's session cookie counts as the client's while its token does.
 */
import type { IncomingMessage } from 'node:http';
import { presentedToken, type TokenSet } from '@cohort/shared';
import { sessionCookie } from './web/cookies.js';
import type { Sessions } from './web/sessions.js';

/**
 * The two roles' credentials, each a set of accepted tokens (credentials.ts
 * holds them and swaps them on reload). `client` alone grants both roles (as
 * `--token` always has); with `agent` set the roles are split: only `agent`
 * joins at the upgrade, and only `client` reaches /api.
 */
export interface Credentials {
  client: TokenSet | undefined;
  agent: TokenSet | undefined;
  /** The dashboard's sessions: a live session cookie counts as the client credential (while its token is accepted). */
  sessions?: Sessions;
}

/** The tokens the agent upgrade accepts: the agent tokens when split, else the shared ones. */
export function agentCredential(credentials: Credentials): TokenSet | undefined {
  return credentials.agent ?? credentials.client;
}

/** Whether a client session (a cookie, an event stream) opened with the token `id` may go on: always when opened without one. */
export function clientTokenAccepted(credentials: Credentials, id: string | undefined): boolean {
  return id === undefined || credentials.client?.has(id) === true;
}

/** How a request was let in: no token configured (`open`), the bearer token, or the session cookie. */
export type ClientVia = 'open' | 'bearer' | 'cookie';

export type Access = 'ok' | 'FORBIDDEN' | 'AUTH_FAILED';

/**
 * Whether a request may use the client API: `ok`, `FORBIDDEN` (it presented
 * an agent token: valid, but not for this role), or `AUTH_FAILED`.
 * Both sets are always compared, so the answer's timing does not say which.
 */
export function clientAccess(req: IncomingMessage, credentials: Credentials): Access {
  return clientAuth(req, credentials).access;
}

/** clientAccess, how the request got in (the Origin check is stricter for the cookie), and the id of its token (undefined when open). */
export function clientAuth(req: IncomingMessage, credentials: Credentials): { access: Access; via: ClientVia; tokenId?: string | undefined } {
  if (credentials.client === undefined) return { access: 'ok', via: 'open' };
  const presented = presentedToken(req);
  const { access, tokenId } = tokenAccessOf(presented, credentials);
  if (access === 'AUTH_FAILED' && presented === undefined && credentials.sessions) {
    const cookieTokenId = credentials.sessions.tokenOf(sessionCookie(req), (id) => clientTokenAccepted(credentials, id));
    if (cookieTokenId !== undefined) return { access: 'ok', via: 'cookie', tokenId: cookieTokenId || undefined };
  }
  return { access, via: 'bearer', tokenId };
}

/**
 * What a presented token grants on the client side (the bearer header, or the dashboard's `/?token=`), with the id of
 * the client token that matched; both sets are always compared.
 */
export function tokenAccessOf(presented: string | undefined, credentials: Credentials): { access: Access; tokenId?: string | undefined } {
  if (credentials.client === undefined) return { access: 'ok' };
  const tokenId = credentials.client.idOf(presented);
  const isAgent = credentials.agent?.matches(presented) === true;
  if (tokenId !== undefined) return { access: 'ok', tokenId };
  return { access: isAgent ? 'FORBIDDEN' : 'AUTH_FAILED' };
}
