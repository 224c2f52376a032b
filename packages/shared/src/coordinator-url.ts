/**
 * A coordinator URL (ws://, wss://, http:// or https://) as the http(s)://
 * base its API is served at. Here rather than in the SDK, so that the CLI's
 * agent and coordinator commands check and print URLs without loading the
 * SDK and its HTTP client (undici), about 0.2 s of CPU at every start.
 */
import { CohortError, ErrorCode } from './errors.js';

/** `ws://h:p/x?y` → `http://h:p` (wss → https); INVALID_OPTION for anything else. */
export function httpBase(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CohortError(ErrorCode.INVALID_OPTION, `not a coordinator URL: ${JSON.stringify(url.slice(0, 200))} (ws://HOST:PORT or http://HOST:PORT)`);
  }
  if (u.protocol === 'ws:') u.protocol = 'http:';
  if (u.protocol === 'wss:') u.protocol = 'https:';
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CohortError(ErrorCode.INVALID_OPTION, `a coordinator URL is ws://, wss://, http:// or https://, not ${u.protocol}`);
  u.pathname = '';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}
