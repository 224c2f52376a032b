import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CohortError, ErrorCode } from './errors.js';
import { readTokenFile } from './internal/token-file.js';
import { MAX_TOKENS_PER_FILE, TokenSet, parseTokenLines, tokenId } from './token-set.js';

const dir = mkdtempSync(join(os.tmpdir(), 'cohort-token-set-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

function failure(fn: () => unknown): CohortError {
  try {
    fn();
  } catch (err) {
    return err as CohortError;
  }
  throw new Error('expected a failure');
}

describe('TokenSet', () => {
  const set = TokenSet.of(['alpha-token', 'beta-token', 'gamma-token']);

  it('matches any member and refuses anything else', () => {
    for (const t of ['alpha-token', 'beta-token', 'gamma-token']) expect(set.matches(t)).toBe(true);
    for (const t of ['alpha', 'alpha-token!', 'ALPHA-TOKEN', '', undefined]) expect(set.matches(t)).toBe(false);
    expect(set.size).toBe(3);
  });

  it('names the matching member by an id that is stable, distinct, and not the token', () => {
    const a = set.idOf('alpha-token');
    const b = set.idOf('beta-token');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(set.idOf('alpha-token')).toBe(a);
    // The same token in another set (a reload) has the same id: that is how a session outlives a reload.
    expect(TokenSet.of(['zeta', 'alpha-token']).idOf('alpha-token')).toBe(a);
    expect(tokenId('alpha-token')).toBe(a);
    expect(a).not.toContain('alpha');
    expect(set.idOf('nope')).toBeUndefined();
  });

  it('has(id) follows membership', () => {
    const id = set.idOf('beta-token')!;
    expect(set.has(id)).toBe(true);
    expect(TokenSet.of(['alpha-token']).has(id)).toBe(false);
    expect(set.has('not-an-id')).toBe(false);
  });

  it('never accepts an empty token, and keeps duplicates once', () => {
    const s = TokenSet.of(['', 'x', 'x']);
    expect(s.size).toBe(1);
    expect(s.matches('')).toBe(false);
  });
});

describe('readTokenFile', () => {
  it('reads one token a line, trimmed, skipping blanks and # comments, CRLF or LF', () => {
    const file = write('tokens', '# rotated 2026-11-26\r\n\r\n  first-token  \r\nsecond-token\n\n# old: gone\nthird-token');
    expect(readTokenFile(file)).toEqual(['first-token', 'second-token', 'third-token']);
  });

  it('refuses a file with no token (empty, or comments only) with INVALID_OPTION', () => {
    for (const text of ['', '\n\n', '# nothing here\n  \n']) {
      expect(failure(() => readTokenFile(write('empty', text))).code).toBe(ErrorCode.INVALID_OPTION);
    }
  });

  it('refuses a missing or unreadable file with INVALID_OPTION', () => {
    expect(failure(() => readTokenFile(join(dir, 'missing'))).code).toBe(ErrorCode.INVALID_OPTION);
    expect(failure(() => readTokenFile(dir)).code).toBe(ErrorCode.INVALID_OPTION);
    if (process.getuid?.() !== 0) {
      const locked = write('locked', 'secret-locked-token\n');
      chmodSync(locked, 0o000);
      expect(failure(() => readTokenFile(locked)).code).toBe(ErrorCode.INVALID_OPTION);
    }
  });

  it('refuses whitespace inside a token, and never puts a token in the message', () => {
    const err = failure(() => readTokenFile(write('spaced', 'good-token\nleaky secret-value\n')));
    expect(err.code).toBe(ErrorCode.INVALID_OPTION);
    expect(err.message).toContain('line 2');
    expect(err.message).not.toContain('secret-value');
    expect(err.message).not.toContain('good-token');
  });

  it('refuses more than MAX_TOKENS_PER_FILE tokens', () => {
    const many = Array.from({ length: MAX_TOKENS_PER_FILE + 1 }, (_, i) => `t${i}`).join('\n');
    expect(failure(() => parseTokenLines(many, 'test')).code).toBe(ErrorCode.INVALID_OPTION);
    expect(parseTokenLines(many.split('\n').slice(0, MAX_TOKENS_PER_FILE).join('\n'), 'test')).toHaveLength(MAX_TOKENS_PER_FILE);
  });
});
