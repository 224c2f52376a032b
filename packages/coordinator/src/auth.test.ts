import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TokenSet, authorized, presentedToken, tokenMatches } from '@cohort/shared';
import { agentCredential, clientAccess, clientAuth } from './auth.js';
import { Sessions } from './web/sessions.js';

const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe('tokenMatches', () => {
  it('is true for the same token', () => {
    expect(tokenMatches('s3cret', 's3cret')).toBe(true);
  });

  it('is false for a different token of the same length', () => {
    expect(tokenMatches('s3cret', 's3creT')).toBe(false);
  });

  it('is false for a prefix or a longer token', () => {
    expect(tokenMatches('s3cret', 's3cre')).toBe(false);
    expect(tokenMatches('s3cret', 's3cret!')).toBe(false);
  });

  it('is false when no token was presented', () => {
    expect(tokenMatches('s3cret', undefined)).toBe(false);
  });

  it('is false for an empty presented token', () => {
    expect(tokenMatches('s3cret', '')).toBe(false);
  });
});

describe('presentedToken', () => {
  it('reads a bearer token, case-insensitively on the scheme', () => {
    expect(presentedToken(req('Bearer abc'))).toBe('abc');
    expect(presentedToken(req('bearer   abc'))).toBe('abc');
  });

  it('is undefined without a header or with another scheme', () => {
    expect(presentedToken(req())).toBeUndefined();
    expect(presentedToken(req('Basic dXNlcjpwdw=='))).toBeUndefined();
  });
});

describe('authorized', () => {
  it('lets anything through when no token is configured', () => {
    expect(authorized(req(), undefined)).toBe(true);
  });

  it('needs the right bearer token when one is configured', () => {
    expect(authorized(req('Bearer right'), 'right')).toBe(true);
    expect(authorized(req('Bearer wrong'), 'right')).toBe(false);
    expect(authorized(req(), 'right')).toBe(false);
  });
});

describe('split credentials', () => {
  const set = (...tokens: string[]) => TokenSet.of(tokens);
  const split = { client: set('client', 'client-2'), agent: set('agent') };
  const both = { client: set('both'), agent: undefined };

  it('the upgrade takes the agent tokens when split, else the shared ones', () => {
    expect(agentCredential(split)?.matches('agent')).toBe(true);
    expect(agentCredential(split)?.matches('client')).toBe(false);
    expect(agentCredential(both)?.matches('both')).toBe(true);
    expect(agentCredential({ client: undefined, agent: undefined })).toBeUndefined();
  });

  it('the API takes the client credential, forbids the agent one, and refuses anything else', () => {
    expect(clientAccess(req('Bearer client'), split)).toBe('ok');
    expect(clientAccess(req('Bearer client-2'), split)).toBe('ok');
    expect(clientAccess(req('Bearer agent'), split)).toBe('FORBIDDEN');
    expect(clientAccess(req('Bearer other'), split)).toBe('AUTH_FAILED');
    expect(clientAccess(req(), split)).toBe('AUTH_FAILED');
  });

  it('without a split, the one token opens the API; without any token, anything does', () => {
    expect(clientAccess(req('Bearer both'), both)).toBe('ok');
    expect(clientAccess(req('Bearer agent'), both)).toBe('AUTH_FAILED');
    expect(clientAccess(req(), { client: undefined, agent: undefined })).toBe('ok');
  });
});

describe('dashboard sessions and their token', () => {
  it('a session cookie counts while the token that opened it is accepted, and not after it is removed', () => {
    const sessions = new Sessions();
    const before = { client: TokenSet.of(['a', 'b']), agent: undefined, sessions };
    const id = sessions.open(before.client.idOf('a'));
    const withCookie = { headers: { cookie: `cohort_session_7070=${id}` }, socket: { localPort: 7070 } } as unknown as IncomingMessage;
    expect(clientAuth(withCookie, before)).toMatchObject({ access: 'ok', via: 'cookie', tokenId: before.client.idOf('a') });
    const after = { client: TokenSet.of(['b']), agent: undefined, sessions };
    expect(clientAuth(withCookie, after).access).toBe('AUTH_FAILED');
    // Forgotten, not just refused: putting the token back does not revive it.
    expect(clientAuth(withCookie, before).access).toBe('AUTH_FAILED');
  });
});
