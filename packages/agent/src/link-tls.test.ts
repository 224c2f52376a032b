/**
 * The agent's link over wss://, against a `ws` server on a real https (or
 * plain http) server: joined with the right pin; refused for good with a
 * wrong one (and no upgrade, so no token, reached the server), on a plain
 * ws:// to a TLS port (TLS_REQUIRED), on an upgrade refused 401 (TLS_FAILED
 * when its body says so, else AUTH_FAILED), on TLS options that cannot be used
 * (INVALID_OPTION), and on a revoked token (AUTH_REVOKED).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, type Certificate } from '@cohort/coordinator';
import { CloseCode, ErrorCode, decodeAgentMessage, silentLogger, type CohortError, type TlsClientOptions } from '@cohort/shared';
import { deferred, waitFor } from '@cohort/shared/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Link, type LinkOptions, type LinkOwner } from './link.js';

interface Server {
  url: string;
  /** Authorization headers of the upgrades that arrived. */
  upgrades: string[];
  close(): Promise<void>;
}

async function wsServer(cert: Certificate | undefined, onSocket: (ws: WebSocket) => void = () => {}): Promise<Server> {
  const upgrades: string[] = [];
  const server = cert ? https.createServer({ cert: cert.cert, key: cert.key }) : http.createServer();
  server.on('tlsClientError', () => {});
  const wss = new WebSocketServer({ server });
  wss.on('headers', (_h, req) => upgrades.push(String(req.headers.authorization ?? '')));
  wss.on('connection', onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${cert ? 'wss' : 'ws'}://127.0.0.1:${(server.address() as AddressInfo).port}/agent`,
    upgrades,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A link to `url` whose owner records how it ended. */
function link(url: string, tls?: TlsClientOptions) {
  const ended = deferred<CohortError | undefined>();
  const owner: LinkOwner = {
    joined: () => {},
    work: () => {},
    bundle: () => {},
    shared: () => {},
    currentLoad: () => ({ cpu: 0, memory: 0 }) as unknown as ReturnType<LinkOwner['currentLoad']>,
    beatSent: () => {},
    disconnected: () => {},
    heldResults: () => 0,
    ended: (err) => ended.resolve(err),
  };
  const options: LinkOptions = {
    connect: url,
    url,
    tls,
    token: 'agent-secret',
    name: 'test-agent',
    slots: 1,
    mode: 'threads',
    maxPrefetch: 1,
    reconnectInitialMs: 10,
    reconnectMaxMs: 50,
    maxPayloadBytes: 1024 * 1024,
    handshakeTimeoutMs: 5000,
    tlsConnectTimeoutMs: 5000,
  };
  const l = new Link(options, owner, silentLogger);
  l.start();
  return { link: l, ended: ended.promise };
}

describe('the agent link over wss://', () => {
  let cert: Certificate;
  let other: Certificate;
  const servers: Server[] = [];
  const links: Link[] = [];
  const start = (url: string, tls?: TlsClientOptions) => {
    const l = link(url, tls);
    links.push(l.link);
    return l;
  };

  beforeAll(async () => {
    cert = await createCertificate({ commonName: 'coordinator', names: ['127.0.0.1'] });
    other = await createCertificate({ commonName: 'impostor', names: ['127.0.0.1'] });
  });
  afterAll(async () => {
    for (const l of links) {
      l.stop();
      l.terminate();
    }
    await Promise.all(servers.map((s) => s.close()));
  });

  it('joins with the right pin, the token in its upgrade and the hello on the socket', async () => {
    const hello = deferred<string>();
    const s = await wsServer(cert, (ws) => ws.once('message', (data: Buffer) => hello.resolve(decodeAgentMessage(data).type)));
    servers.push(s);
    start(s.url, { fingerprint: cert.fingerprint });
    expect(await hello.promise).toBe('hello');
    expect(s.upgrades).toEqual(['Bearer agent-secret']);
  });

  it('ends with TLS_FAILED on a wrong pin, and no upgrade (no token) reached the server', async () => {
    const s = await wsServer(other);
    servers.push(s);
    const err = await start(s.url, { fingerprint: cert.fingerprint }).ended;
    expect(err?.code).toBe(ErrorCode.TLS_FAILED);
    expect(err?.message).toContain(other.fingerprint);
    expect(err?.message).toContain(cert.fingerprint);
    expect(s.upgrades).toEqual([]);
  });

  it('ends with TLS_FAILED against a plain ws:// port given as wss://', async () => {
    const s = await wsServer(undefined);
    servers.push(s);
    const err = await start(s.url.replace('ws:', 'wss:'), { fingerprint: cert.fingerprint }).ended;
    expect(err?.code).toBe(ErrorCode.TLS_FAILED);
    expect(err?.message).toMatch(/does not speak TLS/);
  });

  it('ends with TLS_REQUIRED when a TLS port answers a plain upgrade so', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'TLS_REQUIRED', message: 'this port speaks TLS' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ url: '', upgrades: [], close: () => new Promise((resolve) => server.close(() => resolve())) });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
    const err = await start(url).ended;
    expect(err?.code).toBe(ErrorCode.TLS_REQUIRED);
    expect(err?.message).toContain('wss://');
    server.closeAllConnections();
  });

  /** A plain http server answering every request (the upgrade too) with `status` and `body`; its URL as ws://. */
  async function refusingServer(status: number, body: string): Promise<{ url: string; requests: () => number }> {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({
      url: '',
      upgrades: [],
      close: () => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(() => resolve()));
      },
    });
    return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent`, requests: () => requests };
  }

  it('ends with TLS_FAILED when the upgrade is refused 401 with a TLS_FAILED body (mutual TLS: no client certificate), without retrying', async () => {
    const s = await refusingServer(
      401,
      JSON.stringify({ error: { code: 'TLS_FAILED', message: 'a client certificate signed by --tls-client-ca is required' } }),
    );
    const err = await start(s.url).ended;
    expect(err?.code).toBe(ErrorCode.TLS_FAILED);
    expect(err?.message).toContain('--tls-cert');
    await expect(waitFor('a retry', () => s.requests() > 1, { timeoutMs: 300 })).rejects.toThrow(/timed out/);
  });

  it('ends with AUTH_FAILED on a 401 whose body is AUTH_FAILED, or no coded body at all', async () => {
    for (const body of [
      JSON.stringify({ error: { code: 'AUTH_FAILED', message: 'bad token' } }),
      'Unauthorized',
      JSON.stringify({ error: { code: 'NOT_A_CODE' } }),
    ]) {
      const s = await refusingServer(401, body);
      expect((await start(s.url).ended)?.code).toBe(ErrorCode.AUTH_FAILED);
    }
  });

  it('ends with INVALID_OPTION, without retrying or reaching the server, when TLS cannot use its client key', async () => {
    const s = await wsServer(cert);
    servers.push(s);
    const broken = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    const err = await start(s.url, { fingerprint: cert.fingerprint, cert: cert.cert, key: broken }).ended;
    expect(err?.code).toBe(ErrorCode.INVALID_OPTION);
    expect(err?.message).not.toContain('AAAA');
    expect(s.upgrades).toEqual([]);
  });

  it('ends with AUTH_REVOKED on close 4010, and does not reconnect', async () => {
    const s = await wsServer(cert, (ws) => ws.close(CloseCode.AUTH_REVOKED, 'AUTH_REVOKED'));
    servers.push(s);
    const err = await start(s.url, { fingerprint: cert.fingerprint }).ended;
    expect(err?.code).toBe(ErrorCode.AUTH_REVOKED);
    await expect(waitFor('a reconnect', () => s.upgrades.length > 1, { timeoutMs: 300 })).rejects.toThrow(/timed out/);
  });
});
