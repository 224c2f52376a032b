/**
 * Who may do what: the client API and the agent upgrade each check their
 * own role's credential (the constant-time token checks are shared's
 * bearer.ts), and the dashboard's session cookie counts as the client's.
 */
import type { IncomingMessage } from 'node:http';
import { authorized, presentedToken, tokenMatches } from '@cohort/shared';
import { sessionCookie } from './web/cookies.js';
import type { Sessions } from './web/sessions.js';

export { authorized, presentedToken, tokenMatches };

/**
 * The two roles' credentials. `client` alone grants both roles (as `--token`
 * always has); with `agent` set the roles are split: only `agent` joins at
 * the upgrade, and only `client` reaches /api.
 */
export interface Credentials {
  client: string | undefined;
  agent: string | undefined;
  /** The dashboard's sessions: a live session cookie counts as the client credential. */
  sessions?: Sessions;
}

/** The credential the agent upgrade accepts: the agent credential when split, else the shared one. */
export function agentCredential(credentials: Credentials): string | undefined {
  return credentials.agent ?? credentials.client;
}

/** How a request was let in: no token configured (`open`), the bearer token, or the session cookie. */
export type ClientVia = 'open' | 'bearer' | 'cookie';

/**
 * Whether a request may use the client API: `ok`, `FORBIDDEN` (it presented
 * the agent credential: valid, but not for this role), or `AUTH_FAILED`.
 * Both comparisons always run, so the answer's timing does not say which.
 */
export function clientAccess(req: IncomingMessage, credentials: Credentials): 'ok' | 'FORBIDDEN' | 'AUTH_FAILED' {
  return clientAuth(req, credentials).access;
}

/** clientAccess, and how the request got in (the Origin check is stricter for the cookie). */
export function clientAuth(req: IncomingMessage, credentials: Credentials): { access: 'ok' | 'FORBIDDEN' | 'AUTH_FAILED'; via: ClientVia } {
  if (credentials.client === undefined) return { access: 'ok', via: 'open' };
  const presented = presentedToken(req);
  const access = tokenAccess(presented, credentials);
  if (access === 'AUTH_FAILED' && presented === undefined && credentials.sessions?.valid(sessionCookie(req))) return { access: 'ok', via: 'cookie' };
  return { access, via: 'bearer' };
}

/** What a presented token grants on the client side (the bearer header, or the dashboard's `/?token=`); both comparisons always run. */
export function tokenAccess(presented: string | undefined, credentials: Credentials): 'ok' | 'FORBIDDEN' | 'AUTH_FAILED' {
  if (credentials.client === undefined) return 'ok';
  const isClient = tokenMatches(credentials.client, presented);
  const isAgent = credentials.agent !== undefined && tokenMatches(credentials.agent, presented);
  if (isClient) return 'ok';
  return isAgent ? 'FORBIDDEN' : 'AUTH_FAILED';
}
