/** The ApiClient over https://: verified by pin or CA (mutual TLS too), refused with TLS_FAILED, the streams working. */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, type Certificate } from '@cohort/coordinator';
import { ErrorCode, type CohortError, type JobStreamEvent } from '@cohort/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './api-client.js';

const STREAM = 'event: error\ndata: {"code":"A","message":"first"}\n\nevent: error\ndata: {"code":"B","message":"second"}\n\n';

async function httpsServer(options: https.ServerOptions): Promise<{ url: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const server = https.createServer(options, (req, res) => {
    // Mutual TLS as the coordinator does it: the handshake asks for a certificate, the HTTP layer refuses without a good one.
    if (options.requestCert && !(req.socket as import('node:tls').TLSSocket).authorized) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { code: 'TLS_FAILED', message: 'a client certificate signed by --tls-client-ca is required' } }));
    }
    tokens.push(String(req.headers.authorization ?? ''));
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return void res.end(STREAM);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jobs: [] }));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokens,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function refusal(promise: Promise<unknown>): Promise<CohortError> {
  const err = await promise.then(
    () => undefined,
    (e: CohortError) => e,
  );
  expect(err, 'the request should have been refused').toBeDefined();
  return err as CohortError;
}

describe('ApiClient over https://', () => {
  let server: Certificate;
  let other: Certificate;
  let clientCa: Certificate;
  let client: Certificate;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    server = await createCertificate({ commonName: 'coordinator', names: ['127.0.0.1'] });
    other = await createCertificate({ commonName: 'someone else', names: ['127.0.0.1'] });
    clientCa = await createCertificate({ commonName: 'client ca', ca: true });
    client = await createCertificate({ commonName: 'agent', client: true, issuer: clientCa });
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
  });

  it('works with the right pin, over wss:// too, and streams', async () => {
    const s = await httpsServer({ cert: server.cert, key: server.key });
    closers.push(s.close);
    for (const url of [s.url, s.url.replace('https:', 'wss:')]) {
      const api = new ApiClient({ url, token: 't0ken', tls: { fingerprint: server.fingerprint } });
      expect(await api.jobs()).toEqual([]);
      const seen: JobStreamEvent[] = [];
      await api.stream('/stream', (e) => {
        seen.push(e);
        return undefined;
      });
      expect(seen.map((e) => (e.data as { code: string }).code)).toEqual(['A', 'B']);
      await api.close();
      await api.close(); // idempotent
    }
    expect(s.tokens).toContain('Bearer t0ken');
  });

  it("takes the pin in the flag's other forms ('AB:CD:…', SHA256:, upper case)", async () => {
    const s = await httpsServer({ cert: server.cert, key: server.key });
    closers.push(s.close);
    const hex = server.fingerprint.replace(/^sha256:/, '');
    for (const fingerprint of [hex.toUpperCase().match(/../g)!.join(':'), `SHA256:${hex.toUpperCase()}`]) {
      const api = new ApiClient({ url: s.url, token: 't0ken', tls: { fingerprint } });
      expect(await api.jobs()).toEqual([]);
      await api.close();
    }
    expect(() => new ApiClient({ url: s.url, tls: { fingerprint: 'sha256:abc' } })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
  });

  it('refuses a wrong pin with TLS_FAILED, and sends no token', async () => {
    const s = await httpsServer({ cert: other.cert, key: other.key });
    closers.push(s.close);
    const api = new ApiClient({ url: s.url, token: 't0ken', tls: { fingerprint: server.fingerprint } });
    const err = await refusal(api.jobs());
    expect(err.code).toBe(ErrorCode.TLS_FAILED);
    expect(err.message).toContain(other.fingerprint);
    expect(err.message).toContain(server.fingerprint);
    expect(s.tokens).toEqual([]);
    await api.close();
  });

  it('refuses a self-signed coordinator by default (the system CAs), naming its fingerprint', async () => {
    const s = await httpsServer({ cert: server.cert, key: server.key });
    closers.push(s.close);
    const api = new ApiClient({ url: s.url, token: 't0ken' });
    const err = await refusal(api.jobs());
    expect(err.code).toBe(ErrorCode.TLS_FAILED);
    expect(err.message).toContain(server.fingerprint);
    expect(s.tokens).toEqual([]);
    await api.close();
  });

  it('presents a client certificate for mutual TLS; without one, the 401 TLS_FAILED answer is TLS_FAILED', async () => {
    const s = await httpsServer({ cert: server.cert, key: server.key, ca: clientCa.cert, requestCert: true, rejectUnauthorized: false });
    closers.push(s.close);
    const withCert = new ApiClient({ url: s.url, tls: { fingerprint: server.fingerprint, cert: client.cert, key: client.key } });
    expect(await withCert.jobs()).toEqual([]);
    await withCert.close();
    const without = new ApiClient({ url: s.url, token: 't0ken', tls: { fingerprint: server.fingerprint } });
    const err = await refusal(without.jobs());
    expect(err.code).toBe(ErrorCode.TLS_FAILED);
    expect(s.tokens).toEqual(['']);
    await without.close();
  });

  it('keeps CONNECT_FAILED for a coordinator that is not there, and refuses TLS options with http://', async () => {
    const s = await httpsServer({ cert: server.cert, key: server.key });
    await s.close();
    const api = new ApiClient({ url: s.url, tls: { fingerprint: server.fingerprint } });
    expect((await refusal(api.jobs())).code).toBe(ErrorCode.CONNECT_FAILED);
    await api.close();
    expect(() => new ApiClient({ url: 'http://127.0.0.1:1', tls: { fingerprint: server.fingerprint } })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTION }),
    );
  });
});
