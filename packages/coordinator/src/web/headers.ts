/**
 * The headers of every page and asset: a strict Content-Security-Policy
 * (own origin only, no inline script or style, no framing), no MIME
 * sniffing, no Referer (a URL could carry `?token=`), and a cache policy
 * per kind: pages depend on the credential and are never stored; assets are
 * revalidated by ETag (no build step, so their names carry no hash).
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const CACHE_PAGE = 'no-store';
export const CACHE_ASSET = 'no-cache';

export function securityHeaders(cacheControl: string): Record<string, string> {
  return {
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': cacheControl,
  };
}
