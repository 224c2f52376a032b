/**
 * The coordinator's HTTP server, hardened against what an unauthenticated
 * peer can send before any handler runs:
 *
 * - a connection must send a complete request head within `headersTimeoutMs`
 *   (the idle limit; silent connections included), and the whole request
 *   within `requestTimeoutMs`; both are answered 408 and closed;
 * - at most `maxPendingConnections` connections may be waiting for their
 *   first request head; past that the oldest is closed, so a flood of idle
 *   sockets cannot keep agents and clients out;
 * - a request line or head the parser refuses is answered 400 (431 for an
 *   oversized head) and closed, never thrown;
 * - the request and upgrade handlers are guarded: a throw answers 500 (or
 *   400 for a malformed target) and closes that connection only.
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { CohortError, ErrorCode, HttpStatus, toWireError, type Logger } from '@cohort/shared';
import { guardPlainRequests } from './tls/plain-guard.js';
import type { ServerTls } from './tls/server-tls.js';

export interface HttpServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxPendingConnections: number;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A whole HTTP/1.1 response with a coded JSON error, for a raw socket that has no ServerResponse. */
export function rawErrorResponse(status: number, code: ErrorCode, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  const reason = REASONS[status] ?? 'Error';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Answer a raw socket with a coded error and close it; never throws. */
export function refuseSocket(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  try {
    if (socket.writable) socket.end(rawErrorResponse(status, code, message));
    else socket.destroy();
  } catch {
    socket.destroy();
  }
}

/** The path of a request target, or a BAD_REQUEST error for a target that is not a valid URL path. */
export function requestPath(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://coordinator').pathname;
  } catch (err) {
    throw new CohortError(ErrorCode.BAD_REQUEST, 'the request target is not a valid URL', { cause: err });
  }
}

function statusOfClientError(code: string | undefined): { status: number; code: ErrorCode } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: ErrorCode.BAD_REQUEST };
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: ErrorCode.BAD_REQUEST };
  return { status: 400, code: ErrorCode.BAD_REQUEST };
}

/** Plain HTTP, or HTTPS with `tls` (plain requests to it answered TLS_REQUIRED: tls/plain-guard.ts). */
function createBaseServer(
  limits: HttpServerLimits,
  log: Logger,
  tls: ServerTls | undefined,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const options: ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // How often Node checks the two timeouts above: often enough that a short limit is kept.
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4))),
  };
  if (!tls) return createServer(options, handler);
  const server = createHttpsServer(
    {
      ...options,
      cert: tls.cert,
      key: tls.key,
      handshakeTimeout: limits.headersTimeoutMs,
      // Mutual TLS: the certificate is asked for, and a missing or refused one is answered TLS_FAILED over HTTP (tls/client-certificate.ts), not with an alert.
      ...(tls.clientCa !== undefined && { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }),
    },
    handler,
  );
  guardPlainRequests(server, limits.headersTimeoutMs, log);
  return server;
}

export function createHttpServer(
  limits: HttpServerLimits,
  log: Logger,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  onUpgrade: UpgradeHandler,
  tls?: ServerTls,
): Server {
  const server = createBaseServer(limits, log, tls, (req, res) => {
    try {
      const done = onRequest(req, res);
      if (done) done.catch((err: unknown) => answerThrown(res, err, log));
    } catch (err) {
      answerThrown(res, err, log);
    }
  });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  limitPendingConnections(server, limits.maxPendingConnections, log);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {}); // a reset during the refusal is the peer's business
    try {
      onUpgrade(req, socket, head);
    } catch (err) {
      const wire = toWireError(err);
      if (wire.code === ErrorCode.INTERNAL) log.error('upgrade handler failed', { message: wire.message });
      refuseSocket(socket, HttpStatus[wire.code] ?? 500, wire.code, wire.message);
    }
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, code } = statusOfClientError(err.code);
    log.debug('malformed request refused', { status, parserCode: err.code });
    // A response already under way on this socket cannot take another status line.
    const busy = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (busy) socket.destroy();
    else refuseSocket(socket, status, code, status === 408 ? 'request not received in time' : 'malformed request');
  });
  return server;
}

function answerThrown(res: ServerResponse, err: unknown, log: Logger): void {
  log.error('request handler failed', { message: toWireError(err).message });
  try {
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: { code: ErrorCode.INTERNAL, message: 'internal error' } }));
    }
  } catch {
    res.destroy();
  }
}

/**
 * Connections waiting for their first request head are kept in arrival
 * order; past `max`, the oldest is closed. A real client sends its request
 * within milliseconds of connecting, so what gets closed is what sat idle.
 * On a TLS server they are the TCP sockets (a request's socket is the
 * TLSSocket over one: its `_parent`), counted from before the handshake;
 * `closeAllConnections()` closes them too, since Node knows a TLS
 * connection as HTTP only once its handshake is done.
 */
function limitPendingConnections(server: Server, max: number, log: Logger): void {
  const pending = new Set<Duplex>();
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    for (const socket of pending) socket.destroy();
  };
  let evicted = 0;
  server.on('connection', (socket: Duplex) => {
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    if (pending.size <= max) return;
    const oldest = pending.values().next().value as Duplex;
    pending.delete(oldest);
    oldest.destroy();
    if (evicted++ % 1000 === 0) log.warn('idle connections over the limit; closing the oldest', { max, evicted });
  });
  const started = (req: IncomingMessage) => {
    pending.delete(req.socket);
    const parent = (req.socket as { _parent?: Duplex | null })._parent;
    if (parent) pending.delete(parent);
  };
  server.on('request', started);
  server.on('upgrade', started);
}

/** Listen, or fail with LISTEN_FAILED naming the address and the system's reason. */
export function listen(server: Server, port: number, host: string, log: Logger): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new CohortError(ErrorCode.LISTEN_FAILED, `cannot listen on ${host}:${port}: ${err.code ?? err.message}`, {
          cause: err,
          details: { host, port, reason: err.code ?? 'unknown' },
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      // After listening, an error (EMFILE on accept…) costs one connection, never the process.
      server.on('error', (err: NodeJS.ErrnoException) => log.warn('server error', { code: err.code, message: err.message }));
      resolve();
    });
  });
}
