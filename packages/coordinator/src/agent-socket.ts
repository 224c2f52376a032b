/**
 * One agent WebSocket: the handshake, frame decoding and validation, and
 * handing valid messages to the cluster. A bad frame closes this connection
 * only, with a stable code; nothing else is affected.
 */
import type { WebSocket } from 'ws';
import {
  CohortError,
  CloseCode,
  ErrorCode,
  decodeAgentMessage,
  newSessionId,
  toWireError,
  type AgentMessage,
  type HelloMessage,
  type Logger,
} from '@cohort/shared';
import type { AgentSession } from './agent-session.js';
import type { Observer } from './observations.js';

/** How long a closing socket may take to finish the close handshake before it is destroyed. */
export const CLOSE_TIMEOUT_MS = 1000;

/** Where a socket's messages go: the executor, which feeds them to the cluster and carries out its effects. */
export interface AgentPort {
  /** A valid `hello`; undefined when the session is refused (its socket is closed). */
  join(sessionId: string, hello: HelloMessage, conn: WebSocket): AgentSession | undefined;
  receive(session: AgentSession, msg: AgentMessage): void;
  disconnected(session: AgentSession): void;
}

export interface AgentSocketContext {
  port: AgentPort;
  log: Logger;
  handshakeTimeoutMs: number;
  /** Told the size of every frame received (ws-bytes, in). */
  observer?: Observer | undefined;
  /** Whether the token this session joined with is still accepted; asked at every message it sends (default: always). */
  stillAccepted?: () => boolean;
}

/** What the endpoint keeps of an open agent socket: a way to close it when its token was removed. */
export interface AgentSocketHandle {
  /** Close the socket with AUTH_REVOKED if its token is no longer accepted; true when it did (or it was closed already). */
  revokeIfRefused(): boolean;
}

export function closeSocket(ws: WebSocket, code: ErrorCode, message: string): void {
  // The reason carries the code first, so a peer can read it without parsing prose; 123 bytes is the limit.
  const reason = Buffer.from(`${code}: ${message}`)
    .subarray(0, 123)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  try {
    ws.close(CloseCode[code] ?? 4000, reason);
  } catch {
    ws.terminate();
    return;
  }
  setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS).unref();
}

/**
 * Attach the message layer to an upgraded socket. Every message first asks
 * whether the session's token is still accepted (a hostile agent need not
 * send heartbeats to keep its session: any message counts as life); the
 * handle lets the endpoint close a silent one after a reload.
 */
export function attachAgentSocket(ws: WebSocket, remote: string, ctx: AgentSocketContext): AgentSocketHandle {
  let session: AgentSession | undefined;
  let closed = false;
  const handshake = setTimeout(() => {
    if (!session) closeSocket(ws, ErrorCode.HANDSHAKE_FAILED, `no hello within ${ctx.handshakeTimeoutMs} ms`);
  }, ctx.handshakeTimeoutMs).unref();

  const gone = () => session && disconnect(session, remote, ctx);

  const refuse = (err: unknown) => {
    const wire = toWireError(err, ErrorCode.BAD_FRAME);
    ctx.log.warn('agent connection refused', { remote, agentId: session?.id, code: wire.code, message: wire.message });
    closeSocket(ws, wire.code, wire.message);
    gone();
  };

  /** The token this session joined with was removed by a reload: close with AUTH_REVOKED (gone() requeues what it held). */
  const revokeIfRefused = (): boolean => {
    if (closed) return true;
    if (ctx.stillAccepted?.() !== false) return false;
    closed = true;
    clearTimeout(handshake);
    revoke(ws, remote, session, ctx.log);
    gone();
    return true;
  };

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    ctx.observer?.observe({ kind: 'ws-bytes', direction: 'in', bytes: data.length });
    if (closed || revokeIfRefused()) return;
    try {
      if (!isBinary) throw new CohortError(ErrorCode.BAD_FRAME, 'text frame: the protocol is binary msgpack');
      const msg = decodeAgentMessage(data);
      if (!session) {
        if (msg.type !== 'hello') throw new CohortError(ErrorCode.HANDSHAKE_FAILED, `first message must be hello, got ${msg.type}`);
        clearTimeout(handshake);
        session = ctx.port.join(newSessionId(), msg, ws);
        if (!session) closed = true;
      } else {
        ctx.port.receive(session, msg);
      }
    } catch (err) {
      closed = true;
      refuse(err);
    }
  });

  ws.on('close', () => {
    closed = true;
    clearTimeout(handshake);
    gone();
  });

  ws.on('error', (err) => logSocketError(err, remote, session, ctx.log));
  return { revokeIfRefused };
}

/** The session is gone; a bug in the cluster's bookkeeping is logged, never thrown out of a socket callback. */
function disconnect(session: AgentSession, remote: string, ctx: AgentSocketContext): void {
  try {
    ctx.port.disconnected(session);
  } catch (err) {
    ctx.log.error('agent disconnect failed', { remote, agentId: session.id, code: toWireError(err).code, message: (err as Error).message });
  }
}

function revoke(ws: WebSocket, remote: string, session: AgentSession | undefined, log: Logger): void {
  log.warn('agent session revoked', { remote, agentId: session?.id, name: session?.name, code: ErrorCode.AUTH_REVOKED });
  closeSocket(ws, ErrorCode.AUTH_REVOKED, 'the token this agent joined with was removed');
}

function logSocketError(err: Error, remote: string, session: AgentSession | undefined, log: Logger): void {
  // ws reports oversized frames here (and closes with 1009 itself).
  const code = (err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? ErrorCode.FRAME_TOO_LARGE : ErrorCode.BAD_FRAME;
  log.warn('agent socket error', { remote, agentId: session?.id, code, message: err.message });
}
