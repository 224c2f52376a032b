/**
 * The dashboard's sessions: `GET /?token=T` with the client credential opens
 * one, and its id travels in an HttpOnly cookie instead of the token. The id
 * is 32 random bytes; only its SHA-256 is kept, so the map's contents (a heap
 * dump, a lookup's timing) say nothing usable about a live cookie. Bounded
 * in count (the oldest is evicted) and in age (a session expires `ttlMs`
 * after it was opened, whatever its use). Each remembers the id of the token
 * that opened it (TokenSet's id, never the token): once a reload removes that
 * token, the session is no longer valid.
 */
import { createHash, randomBytes } from 'node:crypto';

/** How long a dashboard session lasts from login: a working day. */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Sessions kept at once; past that the oldest is evicted (its browser sees the login page again). */
export const DEFAULT_MAX_SESSIONS = 2000;
/** Longest session id accepted from a cookie; a real one is 43 characters (base64url of 32 bytes). */
const MAX_ID_CHARS = 128;

function digest(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}

export interface SessionOptions {
  ttlMs?: number;
  maxSessions?: number;
  now?: () => number;
}

export class Sessions {
  /** digest(id) → its expiry and the id of the token that opened it; a Map keeps insertion order, so the first key is the oldest. */
  readonly #expiries = new Map<string, { expiry: number; tokenId: string | undefined }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: SessionOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
    this.#max = Math.max(1, options.maxSessions ?? DEFAULT_MAX_SESSIONS);
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#expiries.size;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Open a session for the token with id `tokenId`; the id returned is for the cookie only. */
  open(tokenId?: string): string {
    const id = randomBytes(32).toString('base64url');
    while (this.#expiries.size >= this.#max) {
      const oldest = this.#expiries.keys().next().value as string;
      this.#expiries.delete(oldest);
    }
    this.#expiries.set(digest(id), { expiry: this.#now() + this.#ttlMs, tokenId });
    return id;
  }

  /**
   * The id of the token that opened the live session `id` ('' when it was
   * opened without one), or undefined when there is no such session or
   * `accepts` no longer takes its token; an expired or revoked one is
   * forgotten on the way.
   */
  tokenOf(id: string | undefined, accepts?: (tokenId: string) => boolean): string | undefined {
    if (id === undefined || id.length === 0 || id.length > MAX_ID_CHARS) return undefined;
    const key = digest(id);
    const session = this.#expiries.get(key);
    if (session === undefined) return undefined;
    const revoked = session.tokenId !== undefined && accepts !== undefined && !accepts(session.tokenId);
    if (session.expiry > this.#now() && !revoked) return session.tokenId ?? '';
    this.#expiries.delete(key);
    return undefined;
  }

  close(id: string | undefined): void {
    if (id !== undefined && id.length <= MAX_ID_CHARS) this.#expiries.delete(digest(id));
  }
}
