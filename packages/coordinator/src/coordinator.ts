/**
 * `startCoordinator()`: one port for the agents' WebSocket (`/agent`), the
 * JSON API and the progress streams.
 *
 * This file is the one executor of the cluster's effects. Every input (a
 * socket's message, a tick, a submission, a merge's outcome) goes to the
 * pure state machine in cluster.ts, which returns effects; `Executor.run`
 * carries them out: frames to sockets, records to the journal, events to
 * watchers, merges off the socket path.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocket } from 'ws';
import {
  CloseCode,
  encode,
  ErrorCode,
  assertNever,
  newCoordinatorId,
  toWireError,
  type AgentMessage,
  type CohortError,
  type CoordinatorMessage,
  type HelloMessage,
  type Logger,
} from '@cohort/shared';
import { deferred } from '@cohort/shared/internal';
import { agentEndpoint, type AgentEndpoint } from './agent-endpoint.js';
import type { AgentSession } from './agent-session.js';
import { closeSocket, type AgentPort } from './agent-socket.js';
import { BundleStore } from './bundle-store.js';
import { Cluster } from './cluster.js';
import type { Effect } from './effects.js';
import { handleHttp } from './http-api.js';
import { openWeb } from './web/page-routes.js';
import { Sessions } from './web/sessions.js';
import { CoordinatorCredentials, reloadAndRevoke } from './credentials.js';
import { OpenStreams } from './open-streams.js';
import { createHttpServer, listen } from './http-server.js';
import type { Job } from './job.js';
import { JobService, type JobHandoff } from './job-service.js';
import { mergeJob } from './merge.js';
import { compileOptions, type CompiledCoordinatorOptions, type CoordinatorOptions } from './options.js';
import { jobProgress, jobReport } from './report.js';
import { EventStreams } from './sse.js';
import { StateStore } from './state-store.js';
import { Observers } from './observations.js';
import { Dashboard } from './dashboard/dashboard.js';
import { createCoordinatorMetrics, type CoordinatorMetrics } from './metrics/index.js';
import { loadServerTls, tlsLogFields, type ServerTls } from './tls/server-tls.js';

export { AGENT_PATH } from '@cohort/shared';

export interface Coordinator {
  readonly host: string;
  readonly port: number;
  /** ws://host:port, or wss://host:port with TLS — what agents `--connect` to. */
  readonly url: string;
  /** `sha256:HEX` of the certificate served with TLS (what agents pin with --tls-fingerprint); undefined without TLS. */
  readonly tlsFingerprint: string | undefined;
  readonly cluster: Cluster;
  readonly jobs: JobService;
  readonly options: CompiledCoordinatorOptions;
  /** Re-read the token files (SIGHUP) and return the counts accepted; throws INVALID_OPTION, keeping the old tokens, on a bad file (credentials.ts). */
  reloadCredentials(): { client: number; agent: number };
  /** Resolves once the coordinator has stopped, whoever stopped it (close(), or a fatal journal error). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

interface ExecutorDeps {
  store: StateStore | undefined;
  bundles: BundleStore;
  streams: EventStreams;
  /** The dashboard's view and the metrics (observations.ts). */
  observers: Observers;
  /** The Prometheus metrics: they count the attempts each `assign` issues, by reason. */
  metrics: CoordinatorMetrics;
  log: Logger;
  /** Told to agents in `welcome`: they size their results to it. */
  maxPayloadBytes: number;
}

/** Feeds inputs to the cluster and carries out the effects it returns, in order. */
class Executor implements AgentPort, JobHandoff {
  private scheduled = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly deps: ExecutorDeps,
  ) {}

  // ---------------------------------------------------------------- inputs

  join(sessionId: string, hello: HelloMessage, conn: WebSocket): AgentSession | undefined {
    let session: AgentSession | undefined;
    this.feed(() => {
      const joined = this.cluster.join(sessionId, hello, Date.now(), conn);
      session = joined.session;
      return joined.effects;
    });
    this.scheduleSoon();
    return session;
  }

  receive(session: AgentSession, msg: AgentMessage): void {
    this.feed(() => this.cluster.receive(session, msg, Date.now()));
    this.scheduleSoon();
  }

  disconnected(session: AgentSession): void {
    this.scheduleSoon();
    this.feed(() => this.cluster.disconnected(session, Date.now()));
  }

  submit(job: Job): void {
    this.observeJob(job, Date.now());
    this.feed(() => this.cluster.submit(job));
    this.scheduleSoon();
  }

  cancel(jobId: string): void {
    this.feed(() => this.cluster.cancel(jobId, Date.now()));
  }

  tick(): void {
    this.guarded('tick', () => this.feed(() => this.cluster.tick(Date.now())));
    this.scheduleSoon();
  }

  /** Run the scheduler on a later turn, once however many inputs asked for it. */
  scheduleSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.guarded('schedule', () => this.feed(() => this.cluster.schedule(Date.now())));
    });
  }

  /**
   * One input and its effects. When the input throws part-way, what it had
   * already changed is still carried out (an accepted result must still be
   * journaled), and the error goes on to the caller.
   */
  private feed(input: () => Effect[]): void {
    let effects: Effect[];
    try {
      effects = input();
    } catch (err) {
      this.run(this.cluster.pending());
      throw err;
    }
    this.run(effects);
  }

  // ---------------------------------------------------------------- effects

  /** Carry out each effect in order; one that throws is logged, and the rest still run. */
  run(effects: readonly Effect[]): void {
    for (const effect of effects) {
      try {
        this.apply(effect);
      } catch (err) {
        this.deps.log.error('effect failed', { effect: effect.type, code: (err as CohortError).code, message: (err as Error).message });
      }
    }
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case 'send':
        return this.send(effect.session, effect.message);
      case 'close':
        return closeSocket(effect.session.conn as WebSocket, effect.code, effect.message);
      case 'journal':
        this.deps.streams.resultsReady(effect.job.id);
        return this.deps.store?.resultAccepted(effect.job, effect.partition, effect.attempt);
      case 'merge':
        return this.merge(effect.job);
      case 'progress':
        return this.deps.streams.progress(effect.job.id, () => this.progressOf(effect.job));
      case 'notify':
        this.deps.observers.observe({ kind: 'cluster', event: effect.event });
        return this.deps.streams.sendAll('cluster', effect.event);
      case 'finished':
        return this.finished(effect.job);
      case 'serve-bundle':
        return this.serveBundle(effect.session, effect.hash, effect.offset);
      case 'observe':
        return this.deps.observers.observe(effect.observation);
      default:
        assertNever(effect, 'cluster effect');
    }
  }

  /** With a journal, watchers are told only what is durable as done (report.ts). */
  private progressOf(job: Job) {
    return jobProgress(job, this.deps.store?.durableCount);
  }

  /** Results became durable: tell the watchers of those jobs (throttled by the streams). */
  durable(jobIds: readonly string[]): void {
    for (const jobId of jobIds) {
      const job = this.cluster.jobs.get(jobId);
      if (job && !job.finished) {
        this.deps.streams.progress(jobId, () => this.progressOf(job));
        this.deps.streams.resultsReady(jobId);
      }
    }
  }

  private send(session: AgentSession, message: CoordinatorMessage): void {
    const ws = session.conn as WebSocket;
    // The agent sizes its results to our frame limit (its slots refuse a larger value with RESULT_TOO_LARGE).
    if (message.type === 'welcome') message = { ...message, maxPayloadBytes: this.deps.maxPayloadBytes };
    if (message.type === 'assign') this.deps.metrics.issued(message);
    if (ws.readyState !== ws.OPEN) return;
    const frame = encode(message);
    ws.send(frame);
    this.deps.observers.observe({ kind: 'ws-bytes', direction: 'out', bytes: frame.length });
  }

  /** A part of a bundle, read off the socket path; a bundle that cannot be read is refused with its code. */
  private serveBundle(session: AgentSession, hash: string, offset: number): void {
    this.deps.bundles
      .read(hash, offset)
      .then(
        ({ data, total }) => this.send(session, { type: 'bundle-part', hash, offset, total, data }),
        (err: unknown) => {
          const error = toWireError(err);
          delete error.stack;
          this.send(session, { type: 'bundle-refused', hash, error });
        },
      )
      .finally(() => this.guarded('bundle served', () => this.feed(() => this.cluster.bundleServed(session))));
  }

  /** Every accepted result is durable before the job can complete; then merge on a later turn. */
  private merge(job: Job): void {
    const durable = this.deps.store ? this.deps.store.flush() : Promise.resolve();
    durable.then(
      () =>
        setImmediate(() => {
          // Cancelled while its results were being made durable: nothing to merge.
          if (job.finished) return;
          this.guarded('merge', () => this.feed(() => this.cluster.merged(job, mergeJob(job), Date.now())));
        }),
      () => {}, // the journal failed: the coordinator is stopping (StateStore's onFatal)
    );
  }

  /** Record the end, tell the watchers once it is durable, and let the cluster retire the job. */
  private observeJob(job: Job, now: number): void {
    const { id: jobId, status, total: partitions, error } = job;
    this.deps.observers.observe({ kind: 'job', at: now, jobId, task: job.spec.task, status, partitions, ...(error && { error }) });
  }

  private finished(job: Job): void {
    this.observeJob(job, Date.now());
    const durable = this.deps.store ? this.deps.store.jobFinished(job) : Promise.resolve();
    // Not durable (the journal failed, and the coordinator is stopping): watchers are not told of an end a restart would not know.
    durable
      .then(() => this.deps.streams.sendJob(job.id, 'end', jobReport(job, Date.now()), true))
      .catch((err: unknown) =>
        this.deps.log.error('job end not sent to watchers', { jobId: job.id, code: (err as CohortError)?.code, message: (err as Error)?.message }),
      );
    this.feed(() => this.cluster.retire(job));
  }

  /** A timer callback that throws is a bug to log, never a reason for the process to exit. */
  private guarded(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.log.error('timer callback failed', { what, code: (err as CohortError).code, message: (err as Error).message });
    }
  }
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
  const streams = new EventStreams();
  const cluster = new Cluster(clusterConfig(options), log.child({ component: 'cluster' }));
  const observers = new Observers((err, observer) => log.error('observer failed', { observer, message: (err as Error)?.message }));
  const metrics = createCoordinatorMetrics(cluster, options, log.child({ component: 'metrics' }));
  observers.add(metrics.observer);
  const executor = new Executor(cluster, { store, bundles, streams, observers, metrics, log, maxPayloadBytes: options.maxPayloadBytes });
  if (store) store.onDurable = (jobIds) => executor.durable(jobIds);
  const { heartbeatMs, heartbeatTimeoutMs } = options;
  const dashboard = new Dashboard(cluster, { heartbeatMs, heartbeatTimeoutMs, durableCount: store?.durableCount, log: log.child({ component: 'dashboard' }) });
  observers.add(dashboard.view);
  if (store) store.onSync = (seconds) => observers.observe({ kind: 'journal-sync', at: Date.now(), seconds });
  const { maxAttempts, maxPartitions, tasksDirs } = options;
  const jobs = new JobService(cluster, executor, streams, { maxAttempts, maxPartitions, tasksDirs, log, store, bundles });
  if (opened) await jobs.restore(opened.recovered);

  const endpoint = agentEndpoint(options, log, executor, observers, credentials);
  const web = openWeb(new Sessions());
  const onRequest = (req: IncomingMessage, res: ServerResponse) =>
    handleHttp(req, res, {
      credentials,
      openStreams,
      maxBodyBytes: options.maxBodyBytes,
      jobs,
      bundles,
      maxBundleBytes: options.maxBundleBytes,
      web,
      dashboard,
      metrics,
      metricsPublic: options.metricsPublic,
      mutualTls: tls?.clientCa !== undefined,
    });
  const server: Server = createHttpServer(options, log.child({ component: 'http' }), onRequest, endpoint.onUpgrade, tls);
  const tick = setInterval(() => executor.tick(), options.tickMs);
  const parts: Parts = { server, endpoint, tick, jobs, streams, dashboard, store, bundles, log };
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
  log: Logger;
}

/** Stop taking work, close every socket and stream, and release the state directory. */
async function stopAll({ server, endpoint, tick, jobs, streams, dashboard, store, bundles }: Parts, listening: boolean): Promise<void> {
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
  endpoint.wss.close();
  await store?.close();
  bundles.close();
}
