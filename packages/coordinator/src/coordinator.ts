/**
 * `startCoordinator()`: one port for the agents' WebSocket (`/agent`), the
 * JSON API and the progress streams. Every input goes to the pure state
 * machine in cluster.ts; executor.ts carries out the effects it returns.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode, ErrorCode, newCoordinatorId, type CohortError, type Logger } from '@cohort/shared';
import { deferred } from '@cohort/shared/internal';
import { agentEndpoint, type AgentEndpoint } from './agent-endpoint.js';
import { closeSocket } from './agent-socket.js';
import { BundleStore } from './bundle-store.js';
import { SharedStore } from './shared-store.js';
import { Cluster } from './cluster.js';
import { Executor } from './executor.js';
import { handleHttp } from './http-api.js';
import { openWeb } from './web/page-routes.js';
import { Sessions } from './web/sessions.js';
import { CoordinatorCredentials, reloadAndRevoke } from './credentials.js';
import { OpenStreams } from './open-streams.js';
import { createHttpServer, listen } from './http-server.js';
import { JobService } from './job-service.js';
import { compileOptions, type CompiledCoordinatorOptions, type CoordinatorOptions } from './options.js';
import { EventStreams } from './sse.js';
import { StateStore } from './state-store.js';
import { Observers } from './observations.js';
import { Dashboard } from './dashboard/dashboard.js';
import { createCoordinatorMetrics } from './metrics/index.js';
import { loadServerTls, tlsLogFields, type ServerTls } from './tls/server-tls.js';

export { AGENT_PATH } from '@cohort/shared';

export interface Coordinator {
  readonly host: string;
  readonly port: number;
  /** ws://host:port, or wss://host:port with TLS — what agents `--connect` to. */
  readonly url: string;
  /** `sha256:HEX` of the certificate served with TLS (what agents pin with --tls-fingerprint); undefined without TLS. */
  readonly tlsFingerprint: string | undefined;
  /** Where the certificate came from: `auto` (made and kept: pin it), `files` (--tls-cert: trust its CA, a renewal changes the pin); undefined without TLS. */
  readonly tlsSource: 'auto' | 'files' | undefined;
  /** The certificate served, PEM (with its chain, as given); undefined without TLS. */
  readonly tlsCertificate: string | undefined;
  readonly cluster: Cluster;
  readonly jobs: JobService;
  readonly options: CompiledCoordinatorOptions;
  /** Re-read the token files (SIGHUP) and return the counts accepted; throws INVALID_OPTION, keeping the old tokens, on a bad file (credentials.ts). */
  reloadCredentials(): { client: number; agent: number };
  /** Resolves once the coordinator has stopped, whoever stopped it (close(), or a fatal journal error). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function startCoordinator(userOptions: CoordinatorOptions = {}): Promise<Coordinator> {
  const options = compileOptions(userOptions);
  const log: Logger = options.logger;
  const credentials = new CoordinatorCredentials(options, log.child({ component: 'credentials' }));
  const openStreams = new OpenStreams();
  const tls = await loadServerTls(options, log.child({ component: 'tls' }));
  const fatal = deferred();
  const opened = await openStore(options, log, () => fatal.resolve());
  const store = opened?.store;
  const bundles = BundleStore.open(options.stateDir, log.child({ component: 'bundles' }));
  const shared = SharedStore.open(options.stateDir, log.child({ component: 'shared' }));
  const streams = new EventStreams();
  const cluster = new Cluster(clusterConfig(options), log.child({ component: 'cluster' }));
  const observers = new Observers((err, observer) => log.error('observer failed', { observer, message: (err as Error)?.message }));
  const metrics = createCoordinatorMetrics(cluster, options, log.child({ component: 'metrics' }));
  observers.add(metrics.observer);
  const executor = new Executor(cluster, { store, bundles, shared, streams, observers, metrics, log, maxPayloadBytes: options.maxPayloadBytes });
  if (store) store.onDurable = (jobIds) => executor.durable(jobIds);
  const { heartbeatMs, heartbeatTimeoutMs } = options;
  const dashboard = new Dashboard(cluster, { heartbeatMs, heartbeatTimeoutMs, durableCount: store?.durableCount, log: log.child({ component: 'dashboard' }) });
  observers.add(dashboard.view);
  if (store) store.onSync = (seconds) => observers.observe({ kind: 'journal-sync', at: Date.now(), seconds });
  const { maxAttempts, maxPartitions, tasksDirs } = options;
  const jobs = new JobService(cluster, executor, streams, { maxAttempts, maxPartitions, tasksDirs, log, store, bundles, shared });
  if (opened) await jobs.restore(opened.recovered);

  const mutualTls = tls?.clientCa !== undefined;
  const endpoint = agentEndpoint(options, log, { port: executor, observer: observers, credentials, mutualTls });
  const web = openWeb(new Sessions());
  const onRequest = (req: IncomingMessage, res: ServerResponse) =>
    handleHttp(req, res, {
      credentials,
      openStreams,
      maxBodyBytes: options.maxBodyBytes,
      jobs,
      bundles,
      maxBundleBytes: options.maxBundleBytes,
      shared,
      maxSharedBytes: options.maxSharedBytes,
      web,
      dashboard,
      metrics,
      metricsPublic: options.metricsPublic,
      mutualTls,
    });
  const server: Server = createHttpServer(options, log.child({ component: 'http' }), onRequest, endpoint.onUpgrade, tls);
  const tick = setInterval(() => executor.tick(), options.tickMs);
  const parts: Parts = { server, endpoint, tick, jobs, streams, dashboard, store, bundles, shared, log };
  await listenOrStop(parts, options);

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const auth = credentials.agent ? 'split' : credentials.client ? 'token' : 'none';
  log.info('coordinator listening', { host, port: address.port, auth, tasksDirs, ...tlsLogFields(tls) });
  const reloadCredentials = () => reloadAndRevoke(credentials, openStreams, log, endpoint);
  const coordinator = handle(parts, tls, { host, port: address.port, cluster, jobs, options, reloadCredentials });
  void fatal.promise.then(() => coordinator.close());
  return coordinator;
}

/** The journal in --state-dir, when there is one. A write that fails is fatal: `onFatal` stops the coordinator. */
async function openStore(options: CompiledCoordinatorOptions, log: Logger, onFatal: () => void) {
  if (!options.stateDir) return undefined;
  const fatal = (err: CohortError) => {
    // Never acknowledge what is not durable: stop, and let a restart recover from the journal.
    log.error('coordinator stopping', { code: err.code });
    process.exitCode = 1;
    onFatal();
  };
  return StateStore.open(options.stateDir, log.child({ component: 'journal' }), fatal, options.journalRecover);
}

/** Listen, or stop everything started so far (the tick, the streams, the state-dir lock) and throw. */
async function listenOrStop(parts: Parts, options: CompiledCoordinatorOptions): Promise<void> {
  try {
    await listen(parts.server, options.port, options.host, parts.log);
  } catch (err) {
    await stopAll(parts, false);
    const reason = (err as CohortError).details?.reason;
    parts.log.error('coordinator cannot listen', { code: ErrorCode.LISTEN_FAILED, host: options.host, port: options.port, reason });
    throw err;
  }
}

/** The running coordinator as callers see it; `close()` runs once, whoever calls it. */
function handle(
  parts: Parts,
  tls: ServerTls | undefined,
  running: Pick<Coordinator, 'host' | 'port' | 'cluster' | 'jobs' | 'options' | 'reloadCredentials'>,
): Coordinator {
  let closing: Promise<void> | undefined;
  const closed = deferred();
  return {
    ...running,
    closed: closed.promise,
    url: `${tls ? 'wss' : 'ws'}://${running.host}:${running.port}`,
    tlsFingerprint: tls?.fingerprint,
    tlsSource: tls?.source,
    tlsCertificate: tls?.cert,
    close() {
      closing ??= stopAll(parts, true).then(() => {
        parts.log.info('coordinator stopped', { closeCode: CloseCode.SHUTTING_DOWN });
        closed.resolve();
      });
      return closing;
    },
  };
}

function clusterConfig(options: CompiledCoordinatorOptions): ConstructorParameters<typeof Cluster>[0] {
  return {
    heartbeatMs: options.heartbeatMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    speculation: options.speculation,
    maxAgentCredit: options.maxAgentCredit,
    timeoutGraceMs: options.timeoutGraceMs,
    scheduling: options.scheduling,
    coordinatorId: newCoordinatorId(),
  };
}

interface Parts {
  server: Server;
  endpoint: AgentEndpoint;
  tick: NodeJS.Timeout;
  jobs: JobService;
  streams: EventStreams;
  dashboard: Dashboard;
  store: StateStore | undefined;
  bundles: BundleStore;
  shared: SharedStore;
  log: Logger;
}

/** Stop taking work, close every socket and stream, and release the state directory. */
async function stopAll({ server, endpoint, tick, jobs, streams, dashboard, store, bundles, shared }: Parts, listening: boolean): Promise<void> {
  jobs.accepting = false;
  clearInterval(tick);
  if (listening) {
    for (const ws of endpoint.wss.clients) closeSocket(ws, ErrorCode.SHUTTING_DOWN, 'coordinator shutting down');
  }
  streams.close();
  dashboard.close();
  if (listening) {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    for (const ws of endpoint.wss.clients) ws.terminate();
  }
  endpoint.stop();
  endpoint.wss.close();
  await store?.close();
  bundles.close();
  shared.close();
}
