/**
 * The agents' door: the WebSocket upgrade at AGENT_PATH. Authentication
 * happens here, on the upgrade: an unauthenticated socket never reaches the
 * message layer (agent-socket.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AGENT_PATH, ErrorCode, addressedToLoopback, presentedToken, type Logger } from '@cohort/shared';
import { attachAgentSocket, type AgentPort, type AgentSocketHandle } from './agent-socket.js';
import type { Observer } from './observations.js';
import type { CoordinatorCredentials } from './credentials.js';
import { refuseSocket, requestPath, type UpgradeHandler } from './http-server.js';
import { requireClientCertificate } from './tls/client-certificate.js';
import type { CompiledCoordinatorOptions } from './options.js';

export interface AgentEndpoint {
  readonly wss: WebSocketServer;
  readonly onUpgrade: UpgradeHandler;
  /**
   * After a credentials reload: one heartbeat period (`heartbeatMs`) later, close with AUTH_REVOKED every open agent
   * socket whose token is no longer accepted, whatever it sends (or does not send) meanwhile.
   */
  sweepRevokedLater(): void;
  /** Clear the sweeps not yet run (the coordinator is stopping). */
  stop(): void;
}

export interface AgentEndpointDeps {
  port: AgentPort;
  /** Told the bytes of every frame received (the metrics' ws-bytes). */
  observer: Observer | undefined;
  /** Read at each upgrade and agent message. */
  credentials: CoordinatorCredentials;
  /** `--tls-client-ca` is in force (the server's TLS has a client CA): the upgrade needs a client certificate it signed. */
  mutualTls: boolean;
}

export function agentEndpoint(options: CompiledCoordinatorOptions, log: Logger, deps: AgentEndpointDeps): AgentEndpoint {
  const { port, observer, credentials, mutualTls } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false });
  const open = new Set<AgentSocketHandle>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const path = requestPath(req);
    requireClientCertificate(req, mutualTls); // throws TLS_FAILED: answered 401 by the server's upgrade guard
    if (path !== AGENT_PATH) return refuseSocket(socket, 404, ErrorCode.NOT_FOUND, `no WebSocket at ${path}; agents connect to ${AGENT_PATH}`);
    // A browser sends Origin on every WebSocket, and may open one to any address: a page must never join as an agent.
    if (req.headers.origin !== undefined)
      return refuseSocket(socket, 403, ErrorCode.FORBIDDEN, 'agents are not browsers: an upgrade with an Origin header is refused');
    const accepted = credentials.agents;
    if (accepted === undefined && !addressedToLoopback(req.headers.host)) {
      return refuseSocket(socket, 403, ErrorCode.FORBIDDEN, 'this coordinator has no token, so agents must address it as 127.0.0.1, [::1] or localhost');
    }
    // The session remembers which token it joined with (its id, never the token): a reload that removes it revokes the session.
    const tokenId = accepted?.idOf(presentedToken(req));
    if (accepted !== undefined && tokenId === undefined) {
      log.warn('agent upgrade refused', { remote, code: ErrorCode.AUTH_FAILED });
      return refuseSocket(socket, 401, ErrorCode.AUTH_FAILED, 'missing or wrong bearer token');
    }
    const stillAccepted = () => credentials.agentAccepts(tokenId);
    wss.handleUpgrade(req, socket as Socket, head, (ws) => {
      const handle = attachAgentSocket(ws, remote, { port, log, handshakeTimeoutMs: options.handshakeTimeoutMs, observer, stillAccepted });
      open.add(handle);
      ws.once('close', () => open.delete(handle));
    });
  };
  const sweeps = new Set<NodeJS.Timeout>();
  const sweepRevokedLater = () => {
    const timer = setTimeout(() => {
      sweeps.delete(timer);
      for (const handle of open) if (handle.revokeIfRefused()) open.delete(handle);
    }, options.heartbeatMs).unref();
    sweeps.add(timer);
  };
  const stop = () => {
    for (const timer of sweeps) clearTimeout(timer);
    sweeps.clear();
  };
  return { wss, onUpgrade, sweepRevokedLater, stop };
}
