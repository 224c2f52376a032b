import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { agentCredential, authorized, clientAccess, presentedToken, tokenMatches } from './auth.js';

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
  const split = { client: 'client', agent: 'agent' };

  it('the upgrade takes the agent credential when split, else the shared one', () => {
    expect(agentCredential(split)).toBe('agent');
    expect(agentCredential({ client: 'both', agent: undefined })).toBe('both');
    expect(agentCredential({ client: undefined, agent: undefined })).toBeUndefined();
  });

  it('the API takes the client credential, forbids the agent one, and refuses anything else', () => {
    expect(clientAccess(req('Bearer client'), split)).toBe('ok');
    expect(clientAccess(req('Bearer agent'), split)).toBe('FORBIDDEN');
    expect(clientAccess(req('Bearer other'), split)).toBe('AUTH_FAILED');
    expect(clientAccess(req(), split)).toBe('AUTH_FAILED');
  });

  it('without a split, the one token opens the API; without any token, anything does', () => {
    expect(clientAccess(req('Bearer both'), { client: 'both', agent: undefined })).toBe('ok');
    expect(clientAccess(req('Bearer agent'), { client: 'both', agent: undefined })).toBe('AUTH_FAILED');
    expect(clientAccess(req(), { client: undefined, agent: undefined })).toBe('ok');
  });
});
