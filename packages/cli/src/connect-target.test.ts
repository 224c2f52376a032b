import { describe, expect, it } from 'vitest';
import { ApiClient } from '@cohort/sdk';
import { agentConnectUrl, clientTarget, connectUrl, jobIdArgument, wsUrl } from './connect-target.js';
import { dashboardUrl } from './dashboard-url.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('COHORT_URL', () => {
  it('is the default for --connect; an explicit --connect wins', () => {
    const env = { COHORT_URL: 'http://10.0.0.1:7070' };
    expect(connectUrl(undefined, env)).toBe('http://10.0.0.1:7070');
    expect(connectUrl('ws://127.0.0.1:1', env)).toBe('ws://127.0.0.1:1');
    expect(codeOf(() => connectUrl(undefined, {}))).toBe('INVALID_OPTION');
    expect(codeOf(() => connectUrl(undefined, { COHORT_URL: '' }))).toBe('INVALID_OPTION');
    expect(codeOf(() => connectUrl(undefined, { COHORT_URL: 'ftp://x' }))).toBe('INVALID_OPTION');
    for (const url of ['ws://h:1', 'wss://h:1', 'http://h:1', 'https://h:1']) expect(connectUrl(url, {})).toBe(url);
  });
  it('gives agents a ws:// address from either form', () => {
    expect(agentConnectUrl(undefined, { COHORT_URL: 'http://h:7070' })).toBe('ws://h:7070');
    expect(agentConnectUrl(undefined, { COHORT_URL: 'https://h:7070' })).toBe('wss://h:7070');
    expect(agentConnectUrl('ws://a:1', { COHORT_URL: 'http://h:7070' })).toBe('ws://a:1');
    expect(agentConnectUrl(undefined, {})).toBe('');
    expect(wsUrl('http://h:7070/api?x=1')).toBe('ws://h:7070');
  });
});

describe('job id arguments', () => {
  it('are checked before any request: anything but an id is BAD_REQUEST', () => {
    expect(jobIdArgument('j_0123456789')).toBe('j_0123456789');
    for (const bad of ['..', '../agents', 'j_0123456789/../../x', '%2e%2e', 'j_0123456789?x', 'J_0123456789', '', 'j_\x1b[2J'])
      expect(codeOf(() => jobIdArgument(bad))).toBe('BAD_REQUEST');
    expect(codeOf(() => jobIdArgument(undefined))).toBe('INVALID_OPTION');
  });
});

describe('dashboardUrl', () => {
  it('is the http:// address, 127.0.0.1 for all interfaces, with the token only when given', () => {
    expect(dashboardUrl('ws://127.0.0.1:7070')).toBe('http://127.0.0.1:7070/');
    expect(dashboardUrl('ws://0.0.0.0:7070')).toBe('http://127.0.0.1:7070/');
    expect(dashboardUrl('ws://[::]:7070')).toBe('http://127.0.0.1:7070/');
    expect(dashboardUrl('ws://10.1.2.3:7070', 'a/b+c')).toBe('http://10.1.2.3:7070/?token=a%2Fb%2Bc');
  });
});

describe('clientTarget: the TLS flags', () => {
  const pin = `sha256:${'0f'.repeat(32)}`;
  it('passes the pin on, the flag winning over COHORT_TLS_FINGERPRINT; none without either', () => {
    const env = { COHORT_URL: 'wss://h:7070', COHORT_TLS_FINGERPRINT: `sha256:${'aa'.repeat(32)}` };
    expect(clientTarget({ 'tls-fingerprint': pin.toUpperCase().replace('SHA256', 'sha256') }, env).tls).toEqual({ fingerprint: pin });
    expect(clientTarget({}, env).tls).toEqual({ fingerprint: env.COHORT_TLS_FINGERPRINT, from: 'COHORT_TLS_FINGERPRINT' });
    expect(clientTarget({}, { COHORT_URL: 'wss://h:7070' }).tls).toBeUndefined();
  });
  it('leaves a plain ws:// or http:// URL alone with the trust variables set; a trust flag with it is refused by the client', () => {
    for (const url of ['ws://127.0.0.1:7070', 'http://localhost:7070']) {
      const env = { COHORT_URL: url, COHORT_TLS_FINGERPRINT: pin, COHORT_TLS_CA: '/nonexistent/ca.pem' };
      expect(clientTarget({}, { ...env, COHORT_TLS_CA: '' }).tls).toBeUndefined();
      expect(codeOf(() => clientTarget({}, env))).toBeUndefined();
      const explicit = clientTarget({ 'tls-fingerprint': pin }, env);
      expect(explicit.tls).toEqual({ fingerprint: pin });
      expect(codeOf(() => new ApiClient(explicit))).toBe('INVALID_OPTION');
    }
  });
  it('refuses a bad fingerprint, an unreadable CA file and a certificate without its key', () => {
    const env = { COHORT_URL: 'wss://h:7070' };
    expect(codeOf(() => clientTarget({ 'tls-fingerprint': 'sha256:xyz' }, env))).toBe('INVALID_OPTION');
    expect(codeOf(() => clientTarget({ 'tls-ca': '/nonexistent/ca.pem' }, env))).toBe('INVALID_OPTION');
    expect(codeOf(() => clientTarget({ 'tls-cert': '/nonexistent/cert.pem' }, env))).toBe('INVALID_OPTION');
  });
});

describe('clientTarget: --insecure-no-tls', () => {
  it('is passed on, and without it the client refuses a token in clear beyond loopback (TLS_REQUIRED)', () => {
    const values = { connect: 'ws://203.0.113.9:7070', token: 'client-secret' };
    const strict = clientTarget(values, {});
    expect(strict.insecureNoTls).toBeUndefined();
    expect(codeOf(() => new ApiClient(strict))).toBe('TLS_REQUIRED');
    const insecure = clientTarget({ ...values, 'insecure-no-tls': true }, {});
    expect(insecure.insecureNoTls).toBe(true);
    expect(codeOf(() => new ApiClient(insecure))).toBeUndefined();
    expect(codeOf(() => new ApiClient(clientTarget({ ...values, connect: 'ws://127.0.0.1:7070' }, {})))).toBeUndefined();
  });
});
