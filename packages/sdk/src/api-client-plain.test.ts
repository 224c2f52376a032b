/**
 * The ApiClient never sends a token in clear beyond loopback: a plain
 * http:// or ws:// URL to another host is refused with TLS_REQUIRED before
 * a connection is opened (a real listener on this machine's own
 * non-loopback address counts the bytes), unless `insecureNoTls`. And a
 * trust exported for a remote coordinator (COHORT_TLS_FINGERPRINT,
 * COHORT_TLS_CA) leaves a plain loopback one alone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '@cohort/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/helpers/code-of.js';
import { nonLoopbackAddress, plainListener, type PlainListener } from '../../../test/helpers/plain-listener.js';
import { ApiClient } from './api-client.js';
import { connect } from './cluster.js';

const address = nonLoopbackAddress();
const TOKEN = 'client-secret-never-in-clear';
let listener: PlainListener | undefined;

afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

describe.skipIf(address === undefined)('ApiClient: no token in clear beyond loopback', () => {
  it('refuses ws:// and http:// with a token before connecting: zero bytes reach the listener', async () => {
    listener = await plainListener(address!);
    for (const scheme of ['ws', 'http']) {
      const url = `${scheme}://${listener.hostPort}`;
      const err = codeOf(() => new ApiClient({ url, token: TOKEN }));
      expect(err).toBe(ErrorCode.TLS_REQUIRED);
      await expect(connect(url, { token: TOKEN })).rejects.toMatchObject({ code: ErrorCode.TLS_REQUIRED });
    }
    // Both refusals are synchronous (ApiClient's constructor; connect() builds it before any request): nothing to wait for.
    expect(listener.connections()).toBe(0);
    expect(listener.received()).toBe('');
  });

  it('says where, and names the way out', () => {
    expect(() => new ApiClient({ url: `ws://${address}:7070`, token: TOKEN })).toThrow(`ws://${address}:7070`);
    expect(() => new ApiClient({ url: `ws://${address}:7070`, token: TOKEN })).toThrow('--insecure-no-tls');
  });

  it('with insecureNoTls, connects (and the listener sees the request)', async () => {
    listener = await plainListener(address!);
    const api = new ApiClient({ url: `http://${listener.hostPort}`, token: TOKEN, insecureNoTls: true });
    await expect(api.jobs()).rejects.toMatchObject({ code: ErrorCode.TLS_REQUIRED });
    expect(listener.received()).toMatch(/^GET \/api\/jobs HTTP\/1\.1/);
    expect(listener.received()).toContain(`Bearer ${TOKEN}`);
    await api.close();
  });

  it('without a token, a plain URL beyond loopback is allowed (nothing secret to send)', async () => {
    listener = await plainListener(address!);
    const api = new ApiClient({ url: `http://${listener.hostPort}` });
    await expect(api.jobs()).rejects.toMatchObject({ code: ErrorCode.TLS_REQUIRED });
    expect(listener.connections()).toBe(1);
    await api.close();
  });
});

describe('ApiClient: tlsConnectTimeoutMs', () => {
  it('is a positive integer (ms)', () => {
    expect(() => new ApiClient({ url: 'https://127.0.0.1:1', tlsConnectTimeoutMs: 500 })).not.toThrow();
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(codeOf(() => new ApiClient({ url: 'https://127.0.0.1:1', tlsConnectTimeoutMs: bad }))).toBe(ErrorCode.INVALID_OPTION);
  });
});

describe('ApiClient: loopback and TLS are never refused for the token', () => {
  it.each(['http://127.0.0.1:1', 'ws://localhost:1', 'http://[::1]:1', 'ws://127.3.4.5:1', 'wss://203.0.113.9:1', 'https://example.com'])('%s', (url) => {
    expect(() => new ApiClient({ url, token: TOKEN })).not.toThrow();
  });
});

describe('connect(): the trust variables apply to https:// and wss:// only', () => {
  it('a plain loopback coordinator is reached with COHORT_TLS_FINGERPRINT and COHORT_TLS_CA set (cohort demo, LocalCluster)', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jobs: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const saved = { pin: process.env.COHORT_TLS_FINGERPRINT, ca: process.env.COHORT_TLS_CA };
    process.env.COHORT_TLS_FINGERPRINT = `sha256:${'ab'.repeat(32)}`;
    try {
      const port = (server.address() as AddressInfo).port;
      for (const url of [`http://127.0.0.1:${port}`, `ws://127.0.0.1:${port}`]) {
        const cluster = await connect(url, { token: TOKEN });
        expect(await cluster.jobs()).toEqual([]);
        await cluster.close();
      }
      process.env.COHORT_TLS_CA = '/nonexistent/ca.pem'; // both set, and one unreadable: still not read for http://
      const cluster = await connect(`http://127.0.0.1:${port}`);
      await cluster.close();
      // Given in code, TLS options with a plain URL stay refused.
      await expect(connect(`http://127.0.0.1:${port}`, { tls: { fingerprint: `sha256:${'ab'.repeat(32)}` } })).rejects.toMatchObject({
        code: ErrorCode.INVALID_OPTION,
      });
    } finally {
      for (const [name, value] of [
        ['COHORT_TLS_FINGERPRINT', saved.pin],
        ['COHORT_TLS_CA', saved.ca],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
