/**
 * The TLS port answers plain HTTP instead of dropping it: every
 * connection's first chunk is peeked. A TLS handshake starts with a
 * handshake record (0x16), and the socket goes on to the TLS server's own
 * connection listener with the chunk put back (`unshift`; the TLSSocket
 * reads what is buffered when it starts). Anything else (`GET /…`, a
 * ws:// upgrade) is answered `400 TLS_REQUIRED` in plain HTTP and closed,
 * as nginx does, so the operator sees why instead of a reset.
 *
 * A socket silent before its first byte is closed after `silentMs` (the
 * headers timeout); the pending-connection limit (http-server.ts) counts it
 * meanwhile.
 */
import type { Server } from 'node:https';
import type { Socket } from 'node:net';
import { ErrorCode, type Logger } from '@cohort/shared';
import { rawErrorResponse } from '../http-server.js';
import { DEFAULT_REFUSED_LINGER_MS } from '../options.js';

/** The first byte of a TLS record carrying a handshake (a ClientHello). */
const TLS_HANDSHAKE = 0x16;

export const TLS_REQUIRED_MESSAGE = 'this port speaks TLS: connect with wss:// or https://';

type ConnectionListener = (this: Server, socket: Socket) => void;

/** Re-register the TLS server's connection listeners behind a peek at the first byte. */
export function guardPlainRequests(server: Server, silentMs: number, log: Logger): void {
  const tlsListeners = server.listeners('connection') as ConnectionListener[];
  for (const listener of tlsListeners) server.off('connection', listener);
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => {}); // a reset before the handshake is the peer's business
    socket.setTimeout(silentMs, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      if (chunk[0] === TLS_HANDSHAKE) {
        socket.unshift(chunk);
        for (const listener of tlsListeners) listener.call(server, socket);
        return;
      }
      log.debug('plain request on the TLS port refused', { code: ErrorCode.TLS_REQUIRED, remote: socket.remoteAddress });
      refusePlain(socket);
    });
  });
  // https forwards these to 'clientError', whose answer is an HTTP response: no use on a failed handshake.
  server.removeAllListeners('tlsClientError');
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    log.debug('tls handshake failed', { code: err.code ?? 'unknown', remote: socket.remoteAddress });
    socket.destroy();
  });
}

function refusePlain(socket: Socket): void {
  socket.end(rawErrorResponse(400, ErrorCode.TLS_REQUIRED, TLS_REQUIRED_MESSAGE));
  socket.resume(); // read and drop the rest of the request, so that the answer is not lost to a reset
  setTimeout(() => socket.destroy(), DEFAULT_REFUSED_LINGER_MS).unref();
}
