/**
 * A set of accepted bearer tokens (a token file's lines), checked in
 * constant time: the presented token is hashed once and compared with every
 * member, with no early exit, so the timing tells neither which token matched
 * nor whether one did (beyond the set's size). Each member has an id, a keyed
 * hash that is stable for the life of the process and says nothing about the
 * token: sessions remember it, and are revoked when a reload drops it.
 *
 * `parseTokenLines` reads such a file's text (`readTokenFile` in
 * @cohort/shared/internal reads the file): one token per line, trimmed;
 * blank lines and lines starting with `#` are skipped. Its errors name the
 * path and the line number, never a token's text.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CohortError, ErrorCode } from './errors.js';
import { tokenDigest as digest } from './token-digest.js';

/** The most tokens one file may hold. */
export const MAX_TOKENS_PER_FILE = 1000;
/** The largest token file read, in bytes (1000 tokens of a few hundred characters each). */
export const MAX_TOKEN_FILE_BYTES = 1024 * 1024;

/** The key of the token ids: random per process, so an id is useless outside it (and never the token). */
const ID_KEY = randomBytes(32);

/** The stable, non-secret id of `token` in this process: 16 hex characters of HMAC-SHA256 under a per-process key. */
export function tokenId(token: string): string {
  return createHmac('sha256', ID_KEY).update(token, 'utf8').digest('hex').slice(0, 16);
}

export class TokenSet {
  readonly #digests: Buffer[];
  readonly #ids: string[];

  private constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
    this.#ids = tokens.map(tokenId);
  }

  /** The set of `tokens` (duplicates kept once); an empty token is never accepted. */
  static of(tokens: Iterable<string>): TokenSet {
    return new TokenSet([...new Set(tokens)].filter((t) => t.length > 0));
  }

  get size(): number {
    return this.#ids.length;
  }

  /** The id of the member `presented` matches, or undefined. Every member is compared, whatever matched. */
  idOf(presented: string | undefined): string | undefined {
    if (presented === undefined) return undefined;
    const candidate = digest(presented);
    let found = -1;
    for (let i = 0; i < this.#digests.length; i++) {
      const equal = timingSafeEqual(this.#digests[i]!, candidate);
      found = equal ? i : found;
    }
    return found < 0 ? undefined : this.#ids[found];
  }

  matches(presented: string | undefined): boolean {
    return this.idOf(presented) !== undefined;
  }

  /** Whether the token with this id is still a member (a session's token after a reload). */
  has(id: string): boolean {
    return this.#ids.includes(id);
  }

  /** The ids of the members, for comparing two sets (a token in both roles) without their tokens. */
  ids(): readonly string[] {
    return this.#ids;
  }
}

/**
 * The tokens of a token file's text: one a line, trimmed (CRLF too); blank
 * lines and `#` comments skipped. `source` names the file in errors, which
 * give line numbers and never a token.
 */
export function parseTokenLines(text: string, source: string): string[] {
  const tokens: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/\s/.test(line)) throw new CohortError(ErrorCode.INVALID_OPTION, `${source} line ${i + 1} holds whitespace inside a token: one token per line`);
    tokens.push(line);
    if (tokens.length > MAX_TOKENS_PER_FILE) throw new CohortError(ErrorCode.INVALID_OPTION, `${source} holds more than ${MAX_TOKENS_PER_FILE} tokens`);
  }
  if (tokens.length === 0) throw new CohortError(ErrorCode.INVALID_OPTION, `${source} holds no token (blank lines and # comments are skipped)`);
  return tokens;
}
