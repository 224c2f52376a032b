/**
 * The coordinator's TLS on real sockets (in process, port 0): the auto
 * certificate kept across restarts, plain HTTP answered TLS_REQUIRED while
 * HTTPS is served, certificates from files, and mutual TLS refused with
 * TLS_FAILED at the HTTP layer.
 */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode, createLogger, silentLogger, type LogEntry } from '@cohort/shared';
import { startCoordinator, type Coordinator } from '../coordinator.js';
import type { CoordinatorOptions } from '../options.js';
import { createCertificate, type Certificate } from './certificates.js';

const started: Coordinator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.close()));
});

async function start(options: CoordinatorOptions): Promise<Coordinator> {
  const c = await startCoordinator({ port: 0, logger: silentLogger, env: {}, ...options });
  started.push(c);
  return c;
}

const tempDir = () => mkdtempSync(join(os.tmpdir(), 'cohort-tls-'));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request with node:https (ca, cert, key as given); resolves with the reply or rejects with the TLS error. */
function request(port: number, tls: https.RequestOptions, path = '/healthz', init: https.RequestOptions & { body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, agent: false, timeout: 5000, ...tls, ...init }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Raw bytes to the port; everything that comes back until the server closes (bounded). */
function raw(port: number, bytes: string | Buffer | undefined, timeoutMs = 5000): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => {});
    socket.on('close', () => done(true));
    socket.on('connect', () => bytes !== undefined && socket.write(bytes));
  });
}

/** A `ws` client's upgrade: 101 once open (then closed), else the refusal's status and body (bounded in time). */
function wsUpgrade(url: string, options: WebSocket.ClientOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...options, handshakeTimeout: 5000 });
    ws.on('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
}

const bodyError = (text: string) => (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } }).error;
const jsonError = (reply: Reply) => (JSON.parse(reply.body) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;

describe('coordinator TLS', () => {
  it('--tls auto: kept in stateDir/tls (0700, key 0600), the same fingerprint on the next start, made anew when unreadable', async () => {
    const stateDir = tempDir();
    const first = await start({ stateDir, tls: { auto: true } });
    expect(first.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    expect(first.tlsFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(statSync(join(stateDir, 'tls')).mode & 0o777).toBe(0o700);
    expect(statSync(join(stateDir, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    await first.close();

    const second = await start({ stateDir, tls: { auto: true } });
    expect(second.tlsFingerprint).toBe(first.tlsFingerprint);
    const cert = readFileSync(join(stateDir, 'tls', 'cert.pem'), 'utf8');
    expect((await request(second.port, { ca: cert })).status).toBe(200); // the certificate names 127.0.0.1
    await second.close();

    writeFileSync(join(stateDir, 'tls', 'cert.pem'), 'not a certificate');
    const warnings: LogEntry[] = [];
    const third = await start({ stateDir, tls: { auto: true }, logger: createLogger({ level: 'warn', sink: (e) => warnings.push(e) }) });
    expect(third.tlsFingerprint).not.toBe(first.tlsFingerprint);
    expect(warnings).toContainEqual(expect.objectContaining({ msg: 'tls auto certificate replaced: the fingerprint changed', reason: 'unreadable' }));
  });

  it('answers plain HTTP and a ws:// upgrade on the TLS port with 400 TLS_REQUIRED, and still serves HTTPS', async () => {
    const stateDir = tempDir();
    const c = await start({ stateDir, tls: { auto: true }, headersTimeoutMs: 400, requestTimeoutMs: 1000 });
    const ca = readFileSync(join(stateDir, 'tls', 'cert.pem'), 'utf8');
    const plain = await raw(c.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(plain.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyError(plain.text).code).toBe(ErrorCode.TLS_REQUIRED);
    expect(plain.closed).toBe(true);
    const upgrade = await raw(
      c.port,
      'GET /agent HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(bodyError(upgrade.text).code).toBe(ErrorCode.TLS_REQUIRED);

    // Silent before the first byte, and a broken handshake: closed, never answered in plain, and nothing else is harmed.
    const [silent, garbage] = await Promise.all([raw(c.port, undefined), raw(c.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]))]);
    expect(silent).toMatchObject({ closed: true, text: '' });
    expect(silent.ms).toBeLessThan(3000);
    expect(garbage.closed).toBe(true);
    expect(garbage.text).not.toContain('HTTP/1.1');

    // Past the handshake, the HTTP limits hold as on the plain server: no request head in time is 408.
    const idle = await new Promise<string>((resolve) => {
      const socket = tls.connect({ port: c.port, host: '127.0.0.1', ca, servername: 'localhost' });
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (text += d));
      socket.on('error', () => {});
      socket.on('close', () => resolve(text));
      setTimeout(() => socket.destroy(), 4000);
    });
    expect(idle).toMatch(/^HTTP\/1\.1 408 /);

    const health = await request(c.port, { ca });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true });
    // Without the CA the client refuses the self-signed certificate.
    await expect(request(c.port, {})).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('keeps at most maxPendingConnections silent sockets on the TLS port, and close() does not wait for them', async () => {
    const stateDir = tempDir();
    const c = await start({ stateDir, tls: { auto: true }, maxPendingConnections: 4 });
    const ca = readFileSync(join(stateDir, 'tls', 'cert.pem'), 'utf8');
    const flood = Array.from({ length: 12 }, () => raw(c.port, undefined, 3000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await request(c.port, { ca })).status).toBe(200);
    const idle = raw(c.port, undefined, 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t0 = Date.now();
    await c.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    const closed = await Promise.all([...flood, idle]);
    expect(closed.filter((r) => r.closed && r.ms < 2500).length).toBe(closed.length); // none held open to the end
  });

  it('the dashboard over TLS: a Secure cookie, and https://HOST:PORT is its own origin', async () => {
    const stateDir = tempDir();
    const c = await start({ stateDir, token: 't0ken', tls: { auto: true } });
    const ca = readFileSync(join(stateDir, 'tls', 'cert.pem'), 'utf8');
    const login = await request(c.port, { ca }, '/?token=t0ken');
    expect(String(login.headers['set-cookie'])).toContain('Secure');
    const post = (origin: string) =>
      request(c.port, { ca }, '/api/jobs', {
        method: 'POST',
        headers: { authorization: 'Bearer t0ken', origin, 'content-type': 'application/json' },
        body: '{}',
      });
    expect((await post(`https://127.0.0.1:${c.port}`)).status).toBe(400); // past the Origin check, refused for its body
    expect((await post(`http://127.0.0.1:${c.port}`)).status).toBe(403);
  });

  describe('with a test CA', () => {
    let ca: Certificate;
    let files: { cert: string; key: string; ca: string; dir: string };

    async function setUp(): Promise<void> {
      const dir = tempDir();
      ca = await createCertificate({ commonName: 'test CA', ca: true });
      const server = await createCertificate({ commonName: 'coordinator', names: ['127.0.0.1', 'localhost'], issuer: ca });
      files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem'), dir };
      writeFileSync(files.cert, server.cert);
      writeFileSync(files.key, server.key, { mode: 0o600 });
      writeFileSync(files.ca, ca.cert);
    }

    it('--tls-cert/--tls-key: served and verified by the CA; unreadable, non-PEM or mismatched files are INVALID_OPTION naming the flag', async () => {
      await setUp();
      const c = await start({ tls: { certFile: files.cert, keyFile: files.key } });
      expect(c.tlsFingerprint).toBe((await import('@cohort/shared')).fingerprintOf(readFileSync(files.cert, 'utf8')));
      expect((await request(c.port, { ca: ca.cert })).status).toBe(200);

      const other = await createCertificate({ commonName: 'other', names: ['127.0.0.1'] });
      const otherKey = join(files.dir, 'other-key.pem');
      writeFileSync(otherKey, other.key, { mode: 0o600 });
      const notPem = join(files.dir, 'not.pem');
      writeFileSync(notPem, 'SECRET-KEY-BYTES');
      const cases: Array<[CoordinatorOptions['tls'], string]> = [
        [{ certFile: join(files.dir, 'missing.pem'), keyFile: files.key }, '--tls-cert'],
        [{ certFile: files.cert, keyFile: notPem }, '--tls-key'],
        [{ certFile: files.cert, keyFile: otherKey }, '--tls-key'],
        [{ certFile: files.cert, keyFile: files.key, clientCaFile: notPem }, '--tls-client-ca'],
      ];
      for (const [tlsOptions, flag] of cases) {
        const err = await startCoordinator({ port: 0, logger: silentLogger, env: {}, tls: tlsOptions }).then(
          (c2) => c2.close().then(() => undefined),
          (e: { code: string; message: string }) => e,
        );
        expect(err?.code).toBe(ErrorCode.INVALID_OPTION);
        expect(err?.message).toContain(flag);
        expect(err?.message).not.toContain('SECRET-KEY-BYTES');
      }
    });

    it('a key file readable by others is warned about', async () => {
      await setUp();
      chmodSync(files.key, 0o644);
      const warnings: LogEntry[] = [];
      await start({ tls: { certFile: files.cert, keyFile: files.key }, logger: createLogger({ level: 'warn', sink: (e) => warnings.push(e) }) });
      expect(warnings).toContainEqual(expect.objectContaining({ msg: 'tls key file readable by others', flag: '--tls-key' }));
    });

    it('--tls-client-ca: no certificate, or one from another CA, is 401 TLS_FAILED (requests and the agent upgrade); a good one is served', async () => {
      await setUp();
      const c = await start({ token: 't0ken', tls: { certFile: files.cert, keyFile: files.key, clientCaFile: files.ca } });
      const none = await request(c.port, { ca: ca.cert }, '/api/jobs', { headers: { authorization: 'Bearer t0ken' } });
      expect(none.status).toBe(401);
      expect(jsonError(none)).toMatchObject({ code: ErrorCode.TLS_FAILED, details: { reason: 'none presented' } });
      // Every other route too, whatever it would answer past the certificate (a page, metrics, a 404, a HEAD or POST to /healthz).
      for (const [path, method] of [
        ['/', 'GET'],
        ['/metrics', 'GET'],
        ['/nowhere', 'GET'],
        ['/healthz', 'POST'],
        ['/healthz', 'HEAD'],
      ] as const) {
        const reply = await request(c.port, { ca: ca.cert }, path, { method });
        expect([path, method, reply.status]).toEqual([path, method, 401]);
        if (method !== 'HEAD') expect(jsonError(reply).code).toBe(ErrorCode.TLS_FAILED);
      }

      const otherCa = await createCertificate({ commonName: 'other CA', ca: true });
      const stranger = await createCertificate({ commonName: 'stranger', client: true, issuer: otherCa });
      const refused = await request(c.port, { ca: ca.cert, cert: stranger.cert, key: stranger.key }, '/api/jobs');
      expect(refused.status).toBe(401);
      expect(jsonError(refused).code).toBe(ErrorCode.TLS_FAILED);
      expect(jsonError(refused).details?.presented).toBe(stranger.fingerprint);
      expect(jsonError(refused).message).toContain(stranger.fingerprint);

      // Before the token: a right token without a certificate is still TLS_FAILED.
      const upgradeHeaders = {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        authorization: 'Bearer t0ken',
      };
      const upgrade = await request(c.port, { ca: ca.cert }, '/agent', { headers: upgradeHeaders });
      expect(upgrade.status).toBe(401);

      const member = await createCertificate({ commonName: 'agent-1', client: true, issuer: ca });
      const good = { ca: ca.cert, cert: member.cert, key: member.key };
      expect((await request(c.port, good)).status).toBe(200);
      const api = await request(c.port, good, '/api/jobs', { headers: { authorization: 'Bearer t0ken' } });
      expect(api.status).toBe(200);
      expect((await request(c.port, good, '/api/jobs')).status).toBe(401); // the certificate does not replace the token
      expect((await request(c.port, good, '/agent', { headers: upgradeHeaders })).status).toBe(101);
    });

    it('--tls-client-ca: GET /healthz answers 200 without a client certificate (a health check has none), and says nothing more', async () => {
      await setUp();
      const c = await start({ token: 't0ken', tls: { certFile: files.cert, keyFile: files.key, clientCaFile: files.ca } });
      const health = await request(c.port, { ca: ca.cert });
      expect(health.status).toBe(200);
      expect(Object.keys(JSON.parse(health.body)).sort()).toEqual(['accepting', 'ok', 'version']);
    });

    it('--tls-client-ca: a ws client (as the agent) is upgraded with a certificate the CA signed, and refused 401 TLS_FAILED without', async () => {
      await setUp();
      const c = await start({ token: 't0ken', tls: { certFile: files.cert, keyFile: files.key, clientCaFile: files.ca } });
      const member = await createCertificate({ commonName: 'agent-1', client: true, issuer: ca });
      const headers = { authorization: 'Bearer t0ken' };
      expect(await wsUpgrade(`${c.url}/agent`, { ca: ca.cert, cert: member.cert, key: member.key, headers })).toEqual({ status: 101, body: '' });
      const refused = await wsUpgrade(`${c.url}/agent`, { ca: ca.cert, headers });
      expect(refused.status).toBe(401);
      expect((JSON.parse(refused.body) as { error: { code: string } }).error.code).toBe(ErrorCode.TLS_FAILED);
    });
  });
});
