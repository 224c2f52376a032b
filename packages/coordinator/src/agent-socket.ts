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
  /** Whether the token this session joined with is still accepted; asked at each of its heartbeats (default: always). */
  stillAccepted?: () => boolean;
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
 * At each heartbeat, whether the session's token is still accepted; if a
 * reload removed it, close with AUTH_REVOKED and say so (the caller's
 * disconnect then requeues what the session held).
 */
function revokedAt(msg: AgentMessage, session: AgentSession, ws: WebSocket, remote: string, ctx: AgentSocketContext): boolean {
  if (msg.type !== 'heartbeat' || ctx.stillAccepted?.() !== false) return false;
  ctx.log.warn('agent session revoked', { remote, agentId: session.id, name: session.name, code: ErrorCode.AUTH_REVOKED });
  closeSocket(ws, ErrorCode.AUTH_REVOKED, 'the token this agent joined with was removed');
  return true;
}

export function attachAgentSocket(ws: WebSocket, remote: string, ctx: AgentSocketContext): void {
  let session: AgentSession | undefined;
  let closed = false;
  const handshake = setTimeout(() => {
    if (!session) closeSocket(ws, ErrorCode.HANDSHAKE_FAILED, `no hello within ${ctx.handshakeTimeoutMs} ms`);
  }, ctx.handshakeTimeoutMs);
  handshake.unref();

  /** The session is gone; a bug in the cluster's bookkeeping is logged, never thrown out of a socket callback. */
  const gone = () => {
    if (!session) return;
    try {
      ctx.port.disconnected(session);
    } catch (err) {
      ctx.log.error('agent disconnect failed', { remote, agentId: session.id, code: toWireError(err).code, message: (err as Error).message });
    }
  };

  const refuse = (err: unknown) => {
    const wire = toWireError(err, ErrorCode.BAD_FRAME);
    ctx.log.warn('agent connection refused', { remote, agentId: session?.id, code: wire.code, message: wire.message });
    closeSocket(ws, wire.code, wire.message);
    gone();
  };

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    ctx.observer?.observe({ kind: 'ws-bytes', direction: 'in', bytes: data.length });
    if (closed) return;
    try {
      if (!isBinary) throw new CohortError(ErrorCode.BAD_FRAME, 'text frame: the protocol is binary msgpack');
      const msg = decodeAgentMessage(data);
      if (!session) {
        if (msg.type !== 'hello') throw new CohortError(ErrorCode.HANDSHAKE_FAILED, `first message must be hello, got ${msg.type}`);
        clearTimeout(handshake);
        session = ctx.port.join(newSessionId(), msg, ws);
        if (!session) closed = true;
      } else if (revokedAt(msg, session, ws, remote, ctx)) {
        closed = true;
        gone();
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

  ws.on('error', (err) => {
    // ws reports oversized frames here (and closes with 1009 itself).
    const code = (err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? ErrorCode.FRAME_TOO_LARGE : ErrorCode.BAD_FRAME;
    ctx.log.warn('agent socket error', { remote, agentId: session?.id, code, message: err.message });
  });
}
