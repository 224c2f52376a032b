import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createCertificate, type Certificate } from '@cohort/coordinator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CohortError } from '../errors.js';
import { waitFor } from './wait-for.js';
import { connectTls, tlsConnector } from './tls-connect.js';

const HOUR_MS = 3_600_000;

interface TestServer {
  port: number;
  /** Bytes received on verified (application) data, all connections together. */
  received: Buffer[];
  /** Connections still open. */
  open(): Promise<number>;
  close(): Promise<void>;
}

async function tlsServer(cert: Certificate): Promise<TestServer> {
  const received: Buffer[] = [];
  const server = tls.createServer({ cert: cert.cert, key: cert.key, ALPNProtocols: ['http/1.1'] }, (socket) => {
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
    });
    socket.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    open: () => new Promise((resolve) => server.getConnections((_err, n) => resolve(n))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function refusal(promise: Promise<unknown>): Promise<CohortError> {
  const err = await promise.then(
    () => undefined,
    (e: CohortError) => e,
  );
  expect(err, 'the connection should have been refused').toBeDefined();
  return err as CohortError;
}

describe('connectTls: the coordinator verified before anything is written', () => {
  let ca: Certificate;
  let otherCa: Certificate;
  let signed: Certificate;
  let expired: Certificate;
  let misnamed: Certificate;
  let selfSigned: Certificate;
  const servers: TestServer[] = [];
  const serve = async (cert: Certificate) => {
    const s = await tlsServer(cert);
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    ca = await createCertificate({ commonName: 'test ca', ca: true });
    otherCa = await createCertificate({ commonName: 'other ca', ca: true });
    const names = ['127.0.0.1', 'localhost'];
    signed = await createCertificate({ commonName: 'coordinator', names, issuer: ca });
    misnamed = await createCertificate({ commonName: 'coordinator', names: ['elsewhere.example'], issuer: ca });
    const past = Date.now() - 48 * HOUR_MS;
    expired = await createCertificate({ commonName: 'coordinator', names, issuer: ca, notBefore: new Date(past), notAfter: new Date(past + HOUR_MS) });
    selfSigned = await createCertificate({ commonName: 'coordinator', names });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('connects with the right pin, whatever the chain', async () => {
    const s = await serve(selfSigned);
    const socket = await connectTls({ host: '127.0.0.1', port: s.port, fingerprint: selfSigned.fingerprint });
    expect(socket.authorized).toBe(false); // Node would have refused it; the pin is the trust
    socket.destroy();
  });

  it('refuses a wrong pin with TLS_FAILED naming both fingerprints', async () => {
    const s = await serve(selfSigned);
    const err = await refusal(connectTls({ host: '127.0.0.1', port: s.port, fingerprint: signed.fingerprint }));
    expect(err.code).toBe(ErrorCode.TLS_FAILED);
    expect(err.message).toContain(selfSigned.fingerprint);
    expect(err.message).toContain(signed.fingerprint);
    expect(err.details).toEqual({ presented: selfSigned.fingerprint, expected: signed.fingerprint, reason: 'fingerprint mismatch' });
  });

  it('connects with the right CA, by IP and by name', async () => {
    const s = await serve(signed);
    for (const host of ['127.0.0.1', 'localhost']) {
      const socket = await connectTls({ host, port: s.port, ca: ca.cert });
      expect(socket.authorized).toBe(true);
      socket.destroy();
    }
  });

  it('refuses a certificate from another CA, naming that CA', async () => {
    const s = await serve(signed);
    const err = await refusal(connectTls({ host: '127.0.0.1', port: s.port, ca: otherCa.cert }));
    expect(err.code).toBe(ErrorCode.TLS_FAILED);
    expect(err.message).toContain(signed.fingerprint);
    expect(err.message).toContain(otherCa.fingerprint);
    expect((err.details as { reason: string }).reason).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED/);
  });

  it('refuses a certificate that is not for this host', async () => {
    const s = await serve(misnamed);
    const err = await refusal(connectTls({ host: '127.0.0.1', port: s.port, ca: ca.cert }));
    expect(err.code).toBe(ErrorCode.TLS_FAILED);
    expect((err.details as { reason: string }).reason).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses an expired certificate, by CA and by pin', async () => {
    const s = await serve(expired);
    const byCa = await refusal(connectTls({ host: '127.0.0.1', port: s.port, ca: ca.cert }));
    expect(byCa.code).toBe(ErrorCode.TLS_FAILED);
    expect((byCa.details as { reason: string }).reason).toBe('CERT_HAS_EXPIRED');
    const byPin = await refusal(connectTls({ host: '127.0.0.1', port: s.port, fingerprint: expired.fingerprint }));
    expect(byPin.code).toBe(ErrorCode.TLS_FAILED);
    expect((byPin.details as { reason: string }).reason).toBe('CERT_HAS_EXPIRED');
  });

  it('says a plain HTTP port does not speak TLS', async () => {
    const server = http.createServer((_req, res) => res.end('plain'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const err = await refusal(connectTls({ host: '127.0.0.1', port, fingerprint: selfSigned.fingerprint }));
      expect(err.code).toBe(ErrorCode.TLS_FAILED);
      expect(err.message).toMatch(/does not speak TLS/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('leaves a refused port what it is (the agent retries it)', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const err = await refusal(connectTls({ host: '127.0.0.1', port, fingerprint: selfSigned.fingerprint }));
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('never writes the token to a coordinator that failed verification', async () => {
    const s = await serve(selfSigned);
    const get = (fingerprint: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port: s.port,
          path: '/api/jobs',
          headers: { authorization: 'Bearer secret-token' },
          createConnection: tlsConnector({ fingerprint }) as unknown as http.RequestOptions['createConnection'],
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    const err = await refusal(get(signed.fingerprint));
    expect(err.code).toBe(ErrorCode.TLS_FAILED);
    await waitFor('the refused connection to close', async () => (await s.open()) === 0, { timeoutMs: 5000 });
    expect(Buffer.concat(s.received).length).toBe(0);
    // The control: with the right pin, the same request arrives with its token.
    expect(await get(selfSigned.fingerprint)).toBe(200);
    expect(Buffer.concat(s.received).toString()).toContain('Bearer secret-token');
  });
});
