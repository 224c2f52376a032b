/**
 * `GET /` and `GET /dashboard/*`:
 *
 * - `/?token=T`: with the client credential, open a session, set its cookie
 *   and answer 303 to `/` (the token leaves the address bar and history);
 *   the agent credential gets 403 and a wrong token 401, each with the login
 *   page and no cookie. Without a configured token, just 303 to `/`.
 * - `/`: the dashboard with a credential (session cookie or bearer), or
 *   without any configured; else the login page.
 * - `/dashboard/<file>`: an allow-listed file (static-files.ts): code and
 *   styles only, no data, so no credential is needed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAuth, tokenAccessOf, type Credentials } from '../auth.js';
import { sessionSetCookie } from './cookies.js';
import { CACHE_ASSET, CACHE_PAGE, securityHeaders } from './headers.js';
import { loginPage, type LoginNotice } from './login-page.js';
import type { Sessions } from './sessions.js';
import { StaticFiles, type StaticFile } from './static-files.js';

export interface WebContext {
  sessions: Sessions;
  files: StaticFiles;
}

export function openWeb(sessions: Sessions): WebContext {
  return { sessions, files: StaticFiles.open() };
}

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string | number>, body: Buffer | string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'content-length': bytes.length });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

function sendLogin(req: IncomingMessage, res: ServerResponse, status: number, notice: LoginNotice): void {
  send(req, res, status, { ...securityHeaders(CACHE_PAGE), 'content-type': 'text/html; charset=utf-8' }, loginPage(notice));
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: StaticFile, cache: string): void {
  const headers = { ...securityHeaders(cache), 'content-type': file.type, etag: file.etag };
  if (cache === CACHE_ASSET && req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  send(req, res, 200, headers, file.body);
}

function redirectHome(res: ServerResponse, cookie?: string): void {
  const headers: Record<string, string> = { ...securityHeaders(CACHE_PAGE), location: '/', 'content-length': '0' };
  if (cookie) headers['set-cookie'] = cookie;
  res.writeHead(303, headers);
  res.end();
}

function login(req: IncomingMessage, res: ServerResponse, token: string, credentials: Credentials, web: WebContext): void {
  if (credentials.client === undefined) return redirectHome(res);
  const { access, tokenId } = tokenAccessOf(token, credentials);
  if (access === 'FORBIDDEN') return sendLogin(req, res, 403, 'agent-token');
  if (access !== 'ok') return sendLogin(req, res, 401, 'wrong-token');
  // The session remembers its token's id: a reload that removes the token ends it (sessions.ts).
  redirectHome(res, sessionSetCookie(req, web.sessions.open(tokenId), web.sessions.ttlMs));
}

function home(req: IncomingMessage, res: ServerResponse, credentials: Credentials, web: WebContext): void {
  const { access } = clientAuth(req, { ...credentials, sessions: web.sessions });
  if (access === 'FORBIDDEN') return sendLogin(req, res, 403, 'agent-token');
  if (access !== 'ok') return sendLogin(req, res, 200, 'none');
  if (!web.files.page) return sendLogin(req, res, 404, 'missing-files');
  sendFile(req, res, web.files.page, CACHE_PAGE);
}

/** Answer a page or asset request; false when `path` is none of them (the caller goes on to /api or 404). */
export function handlePage(req: IncomingMessage, res: ServerResponse, path: string, credentials: Credentials, web: WebContext): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === '/') {
    const token = new URL(req.url ?? '/', 'http://coordinator').searchParams.get('token');
    if (token !== null) login(req, res, token, credentials, web);
    else home(req, res, credentials, web);
    return true;
  }
  if (path === '/dashboard' || path === '/dashboard/') {
    redirectHome(res);
    return true;
  }
  const file = path.startsWith('/dashboard/') ? web.files.get(path) : undefined;
  if (!file) return false;
  sendFile(req, res, file, CACHE_ASSET);
  return true;
}
