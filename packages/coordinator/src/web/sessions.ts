/**
 * The dashboard's sessions: `GET /?token=T` with the client credential opens
 * one, and its id travels in an HttpOnly cookie instead of the token. The id
 * is 32 random bytes; only its SHA-256 is kept, so the map's contents (a heap
 * dump, a lookup's timing) say nothing usable about a live cookie. Bounded
 * in count (the oldest is evicted) and in age (a session expires `ttlMs`
 * after it was opened, whatever its use).
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
  /** digest(id) → expiry; a Map keeps insertion order, so the first key is the oldest. */
  readonly #expiries = new Map<string, number>();
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

  /** Open a session; the id is for the cookie only. */
  open(): string {
    const id = randomBytes(32).toString('base64url');
    while (this.#expiries.size >= this.#max) {
      const oldest = this.#expiries.keys().next().value as string;
      this.#expiries.delete(oldest);
    }
    this.#expiries.set(digest(id), this.#now() + this.#ttlMs);
    return id;
  }

  /** Whether `id` names a live session; an expired one is forgotten on the way. */
  valid(id: string | undefined): boolean {
    if (id === undefined || id.length === 0 || id.length > MAX_ID_CHARS) return false;
    const key = digest(id);
    const expiry = this.#expiries.get(key);
    if (expiry === undefined) return false;
    if (expiry > this.#now()) return true;
    this.#expiries.delete(key);
    return false;
  }

  close(id: string | undefined): void {
    if (id !== undefined && id.length <= MAX_ID_CHARS) this.#expiries.delete(digest(id));
  }
}
