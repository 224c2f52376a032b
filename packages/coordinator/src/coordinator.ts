/**
 * `startCoordinator()`: one port for the agents' WebSocket (`/agent`), the
 * JSON API and the progress streams. Authentication happens on the upgrade:
 * an unauthenticated socket never reaches the message layer.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, encode, ErrorCode, newCoordinatorId, type CohortError, type Logger } from '@cohort/shared';
import { attachAgentSocket, closeSocket } from './agent-socket.js';
import type { AgentSession } from './agent-session.js';
import { agentCredential, authorized } from './auth.js';
import { Cluster } from './cluster.js';
import { handleHttp } from './http-api.js';
import { createHttpServer, listen, refuseSocket, requestPath } from './http-server.js';
import { JobService } from './job-service.js';
import { compileOptions, type CompiledCoordinatorOptions, type CoordinatorOptions } from './options.js';
import { StateStore } from './state-store.js';

export const AGENT_PATH = '/agent';

export interface Coordinator {
  readonly host: string;
  readonly port: number;
  /** ws://host:port — what agents `--connect` to. */
  readonly url: string;
  readonly cluster: Cluster;
  readonly jobs: JobService;
  readonly options: CompiledCoordinatorOptions;
  /** Resolves once the coordinator has stopped, whoever stopped it (close(), or a fatal journal error). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

function rejectUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  refuseSocket(socket, status, code, message);
}

/** A timer callback that throws is a bug to log, never a reason for the process to exit. */
function guarded(log: Logger, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.error('timer callback failed', { what, code: (err as CohortError).code, message: (err as Error).message });
  }
}

export async function startCoordinator(userOptions: CoordinatorOptions = {}): Promise<Coordinator> {
  const options = compileOptions(userOptions);
  const log: Logger = options.logger;

  let scheduled = false;
  const scheduleSoon = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      guarded(log, 'schedule', () => cluster.schedule(Date.now()));
    });
  };

  let closeForFatal: () => void = () => {};
  const opened = options.stateDir
    ? await StateStore.open(options.stateDir, log.child({ component: 'journal' }), (err) => {
        // Never acknowledge what is not durable: stop, and let a restart recover from the journal.
        log.error('coordinator stopping', { code: err.code });
        process.exitCode = 1;
        closeForFatal();
      }, options.journalRecover)
    : undefined;
  const store = opened?.store;

  const sockets = (s: AgentSession) => s.conn as WebSocket;
  let jobs!: JobService;
  const cluster: Cluster = new Cluster(
    {
      heartbeatMs: options.heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      speculation: options.speculation,
      maxAgentCredit: options.maxAgentCredit,
      timeoutGraceMs: options.timeoutGraceMs,
      coordinatorId: newCoordinatorId(),
    },
    {
      send: (s, message) => {
        const ws = sockets(s);
        // The agent sizes its results to our frame limit (its slots refuse a larger value with RESULT_TOO_LARGE).
        if (message.type === 'welcome') message = { ...message, maxPayloadBytes: options.maxPayloadBytes };
        if (ws.readyState === ws.OPEN) ws.send(encode(message));
      },
      close: (s, code, message) => closeSocket(sockets(s), code, message),
      complete: (job) => jobs.complete(job),
      finished: (job) => jobs.finished(job),
      accepted: (job, p, attempt) => store?.resultAccepted(job, p, attempt),
      progress: (job) => jobs.progress(job),
      notify: (event) => jobs.notify(event),
    },
    log.child({ component: 'cluster' }),
  );
  jobs = new JobService(cluster, { maxAttempts: options.maxAttempts, maxPartitions: options.maxPartitions, tasksDirs: options.tasksDirs, log, scheduleSoon, store });
  if (opened) await jobs.restore(opened.recovered);

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false });
  const onRequest = (req: IncomingMessage, res: ServerResponse) =>
    handleHttp(req, res, { token: options.token, agentToken: options.agentToken, maxBodyBytes: options.maxBodyBytes, jobs });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const path = requestPath(req);
    if (path !== AGENT_PATH) return rejectUpgrade(socket, 404, ErrorCode.NOT_FOUND, `no WebSocket at ${path}; agents connect to ${AGENT_PATH}`);
    if (!authorized(req, agentCredential({ client: options.token, agent: options.agentToken }))) {
      log.warn('agent upgrade refused', { remote, code: ErrorCode.AUTH_FAILED });
      return rejectUpgrade(socket, 401, ErrorCode.AUTH_FAILED, 'missing or wrong bearer token');
    }
    wss.handleUpgrade(req, socket as Socket, head, (ws) => {
      attachAgentSocket(ws, remote, { cluster, log, handshakeTimeoutMs: options.handshakeTimeoutMs, scheduleSoon });
    });
  };
  const server: Server = createHttpServer(options, log.child({ component: 'http' }), onRequest, onUpgrade);

  const tick = setInterval(() => {
    guarded(log, 'tick', () => cluster.tick(Date.now()));
    scheduleSoon();
  }, options.tickMs);

  try {
    await listen(server, options.port, options.host, log);
  } catch (err) {
    // Nothing may outlive a failed start: the tick, the streams, the state-dir lock.
    clearInterval(tick);
    jobs.accepting = false;
    jobs.streams.close();
    wss.close();
    await store?.close();
    log.error('coordinator cannot listen', { code: ErrorCode.LISTEN_FAILED, host: options.host, port: options.port, reason: (err as CohortError).details?.reason });
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.info('coordinator listening', { host, port: address.port, auth: options.agentToken ? 'split' : options.token ? 'token' : 'none', tasksDirs: options.tasksDirs });

  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const coordinator: Coordinator = {
    closed,
    host,
    port: address.port,
    url: `ws://${host}:${address.port}`,
    cluster,
    jobs,
    options,
    close() {
      closing ??= (async () => {
        jobs.accepting = false;
        clearInterval(tick);
        for (const ws of wss.clients) closeSocket(ws, ErrorCode.SHUTTING_DOWN, 'coordinator shutting down');
        jobs.streams.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        await store?.close();
        log.info('coordinator stopped', { closeCode: CloseCode.SHUTTING_DOWN });
        resolveClosed();
      })();
      return closing;
    },
  };
  closeForFatal = () => void coordinator.close();
  return coordinator;
}
