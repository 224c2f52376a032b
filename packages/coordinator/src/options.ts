/**
 * Coordinator options in one place, in three steps: what the user passes
 * (`CoordinatorOptions`), `withDefaults()`, and the checked, compiled form
 * (`compileOptions()`). Durations are numbers named `…Ms`.
 */
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_MAX_BUNDLE_BYTES,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SHARED_BYTES,
  LIMITS,
  checkInt,
  checkNumber,
  createLogger,
  invalidOption,
  resolveTasksDirs,
  resolveToken,
  type Logger,
} from '@cohort/shared';
import type { SpeculationConfig } from './cluster.js';
import { DEFAULT_SCHEDULING, SCHEDULING_MODES, type SchedulingMode } from './fair-share.js';
import { checkBind, checkTlsOptions } from './tls/tls-options.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7070;
/** The heartbeat defaults are the protocol's, shared with the agent. */
export { DEFAULT_HEARTBEAT_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS };
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
/** The request body limit, shared with the CLI (which bounds an input file by it). */
export { DEFAULT_MAX_BODY_BYTES };
/** The largest task bundle a client may upload: the client refuses a larger one before it uploads, listing its largest inputs. */
export { DEFAULT_MAX_BUNDLE_BYTES };
/** The largest shared job value a client may upload (`PUT /api/shared/:hash`, streamed to disk): 1 GiB. */
export { DEFAULT_MAX_SHARED_BYTES };
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_MAX_PARTITIONS = 2_000_000;
export const DEFAULT_TICK_MS = 100;
/** The most partitions one agent session may hold, whatever slots and prefetch it declared. */
export const DEFAULT_MAX_AGENT_CREDIT = 4096;
/** Past a job's timeoutMs plus this, the coordinator reclaims the partition itself (the agent normally times out first). */
export const DEFAULT_TIMEOUT_GRACE_MS = 2000;
/** A connection that has not sent a complete request head within this is answered 408 and closed (the idle limit). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** A request whose body has not arrived within this is answered 408 and closed. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** A keep-alive connection idle this long after a response is closed. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Connections that have not yet sent a request head; past this, the oldest is closed to admit the newest. */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 512;
/** GET /metrics asks for the client credential, like /api; `metricsPublic` serves it without one (scrapers on a private network). */
export const DEFAULT_METRICS_PUBLIC = false;
/** A client stream (an event stream, the dashboard's) whose token was removed gets its last event; its socket is destroyed this long after. */
export const DEFAULT_REVOKED_STREAM_GRACE_MS = 1000;
/** Plain HTTP sent to the TLS port is answered 400 TLS_REQUIRED; the socket may keep sending (its request body) this long before it is closed. */
export const DEFAULT_REFUSED_LINGER_MS = 1000;
/** The validity of a certificate made by `createCertificate` without `days` or `notAfter`, and so of the `--tls auto` certificate (825 days, the longest browsers accept). */
export const DEFAULT_CERTIFICATE_DAYS = 825;
/** `--tls auto`: when the kept certificate has fewer days left than this, the coordinator warns at start (it is replaced, and the pin changes, once expired). */
export const DEFAULT_CERTIFICATE_WARN_DAYS = 30;
/** `--tls auto`: a `.lock` older than this in the certificate's directory was left by a coordinator that died while making it, and is removed. */
export const DEFAULT_AUTO_LOCK_STALE_MS = 10_000;
/** Running jobs share the agents by priority (`fair`); `fifo` serves them in submission order (Spark's FAIR and FIFO modes). */
export { DEFAULT_SCHEDULING };
export const DEFAULT_SPECULATION: SpeculationConfig = { enabled: true, quantile: 0.75, multiplier: 1.5, minRuntimeMs: 250 };

export interface CoordinatorOptions {
  host?: string;
  /** 0 picks a free port; read it back from `coordinator.port`. */
  port?: number;
  /**
   * The client credential (submit, cancel, read: every /api route); defaults to COHORT_TOKEN.
   * Without `agentToken` it is the agents' credential too. Required to bind beyond loopback.
   */
  token?: string;
  /** The agent credential (join at /agent, nothing else); defaults to COHORT_AGENT_TOKEN. Needs `token`, and must differ from it. */
  agentToken?: string;
  /**
   * `--token-file`: one or more client tokens, one per line (blank lines and `#` comments skipped).
   * Re-read by `coordinator.reloadCredentials()` (the CLI calls it on SIGHUP); a session whose token
   * was removed is closed with AUTH_REVOKED at its next message, and within one heartbeatMs of the reload. Conflicts with `token`.
   */
  tokenFile?: string;
  /** `--agent-token-file`: the agent credentials, the same way. Conflicts with `agentToken`. */
  agentTokenFile?: string;
  /** TLS on the one port: wss:// for agents, https:// for the API, the dashboard and the streams. */
  tls?: TlsServerOptions;
  /** `--insecure-no-tls`: bind beyond loopback without TLS, on a private network; logged as a warning. Default false. */
  insecureNoTls?: boolean;
  /** Directories whose .js/.mjs modules may be loaded as tasks; nothing else on disk is ever imported because a request named it. */
  tasksDirs?: string[];
  /**
   * How often agents send a heartbeat. Also the revocation's wait: after a credentials reload, an agent session whose
   * token was removed is closed at its next message, and a silent one by a sweep one heartbeatMs after the reload.
   */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Frames larger than this close the connection with 1009 (FRAME_TOO_LARGE). */
  maxPayloadBytes?: number;
  maxBodyBytes?: number;
  /** The largest task bundle a client may upload (`PUT /api/bundles/:hash`), bytes. */
  maxBundleBytes?: number;
  /** The largest shared job value a client may upload (`PUT /api/shared/:hash`), bytes; default DEFAULT_MAX_SHARED_BYTES. */
  maxSharedBytes?: number;
  /** The idle limit: a connection must send a complete request head (or upgrade) within this. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  maxPendingConnections?: number;
  /** Default for jobs that do not say. */
  maxAttempts?: number;
  maxPartitions?: number;
  tickMs?: number;
  /** The most partitions one agent session may hold. */
  maxAgentCredit?: number;
  /** Grace past a job's timeoutMs before the coordinator reclaims a partition itself. */
  timeoutGraceMs?: number;
  speculation?: Partial<SpeculationConfig>;
  /** `--scheduling`: how running jobs share the agents; 'fair' (default DEFAULT_SCHEDULING: round robin weighted by each job's priority) or 'fifo' (first come, first served). */
  scheduling?: SchedulingMode;
  /** Directory for the append-only journal; without it, state lives in memory only. */
  stateDir?: string;
  /** A damaged journal: save the damage aside and keep every valid record, instead of refusing to start (`--journal-recover`). */
  journalRecover?: boolean;
  /** Serve GET /metrics without the token (`--metrics-public`), for a scraper on a private network; a warning is logged when binding beyond loopback with it. Default DEFAULT_METRICS_PUBLIC (false). */
  metricsPublic?: boolean;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Where the coordinator's certificate comes from: PEM files, or `auto` (made on first start and kept). */
export interface TlsServerOptions {
  /** `--tls-cert FILE`: the certificate (and its chain), PEM. With keyFile. */
  certFile?: string;
  /** `--tls-key FILE`: its private key, PEM. */
  keyFile?: string;
  /** `--tls auto`: a self-signed certificate, made on first start and kept in stateDir/tls (or the per-user config directory without one). */
  auto?: boolean;
  /** `--tls-name NAME` (repeatable): more names for the auto certificate, besides localhost, the host name, loopback and the bind address. */
  names?: string[];
  /** `--tls-client-ca FILE`: mutual TLS; agents and clients must present a certificate signed by this CA (PEM). */
  clientCaFile?: string;
}

export interface CompiledCoordinatorOptions {
  host: string;
  port: number;
  token: string | undefined;
  agentToken: string | undefined;
  tokenFile: string | undefined;
  agentTokenFile: string | undefined;
  tls: TlsServerOptions | undefined;
  insecureNoTls: boolean;
  /** Real absolute paths. */
  tasksDirs: string[];
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxPayloadBytes: number;
  maxBodyBytes: number;
  maxBundleBytes: number;
  maxSharedBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxPendingConnections: number;
  maxAttempts: number;
  maxPartitions: number;
  tickMs: number;
  maxAgentCredit: number;
  timeoutGraceMs: number;
  speculation: SpeculationConfig;
  scheduling: SchedulingMode;
  stateDir: string | undefined;
  journalRecover: boolean;
  metricsPublic: boolean;
  logger: Logger;
}

export function withDefaults(options: CoordinatorOptions): CompiledCoordinatorOptions {
  return {
    host: options.host ?? DEFAULT_HOST,
    port: options.port ?? DEFAULT_PORT,
    // With a token file, the environment's token is ignored (an explicit token with it is a conflict, compileOptions).
    token: options.tokenFile !== undefined ? options.token || undefined : resolveToken(options.token, options.env),
    agentToken:
      (options.agentTokenFile !== undefined ? options.agentToken : (options.agentToken ?? (options.env ?? process.env).COHORT_AGENT_TOKEN)) || undefined,
    tokenFile: options.tokenFile,
    agentTokenFile: options.agentTokenFile,
    tls: options.tls,
    insecureNoTls: options.insecureNoTls ?? false,
    tasksDirs: options.tasksDirs ?? [],
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxBundleBytes: options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES,
    maxSharedBytes: options.maxSharedBytes ?? DEFAULT_MAX_SHARED_BYTES,
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    maxPendingConnections: options.maxPendingConnections ?? DEFAULT_MAX_PENDING_CONNECTIONS,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    maxPartitions: options.maxPartitions ?? DEFAULT_MAX_PARTITIONS,
    tickMs: options.tickMs ?? DEFAULT_TICK_MS,
    maxAgentCredit: options.maxAgentCredit ?? DEFAULT_MAX_AGENT_CREDIT,
    timeoutGraceMs: options.timeoutGraceMs ?? DEFAULT_TIMEOUT_GRACE_MS,
    speculation: { ...DEFAULT_SPECULATION, ...options.speculation },
    scheduling: options.scheduling ?? DEFAULT_SCHEDULING,
    stateDir: options.stateDir,
    journalRecover: options.journalRecover ?? false,
    metricsPublic: options.metricsPublic ?? DEFAULT_METRICS_PUBLIC,
    logger: options.logger ?? createLogger().child({ component: 'coordinator' }),
  };
}

export function compileOptions(options: CoordinatorOptions): CompiledCoordinatorOptions {
  const o = withDefaults(options);
  checkInt('port', o.port, 0, 65535);
  checkInt('heartbeatMs', o.heartbeatMs, 10, 60_000);
  checkInt('heartbeatTimeoutMs', o.heartbeatTimeoutMs, 20, 600_000);
  if (o.heartbeatTimeoutMs < 2 * o.heartbeatMs) {
    throw invalidOption(`heartbeatTimeoutMs (${o.heartbeatTimeoutMs}) must be at least twice heartbeatMs (${o.heartbeatMs})`);
  }
  checkInt('handshakeTimeoutMs', o.handshakeTimeoutMs, 10, 600_000);
  checkInt('maxPayloadBytes', o.maxPayloadBytes, 1024, 2 ** 31 - 1);
  checkInt('maxBodyBytes', o.maxBodyBytes, 1024, 2 ** 31 - 1);
  checkInt('maxBundleBytes', o.maxBundleBytes, 1024, LIMITS.bundleBytes.max);
  checkInt('maxSharedBytes', o.maxSharedBytes, 1024, LIMITS.sharedBytes.max);
  checkInt('headersTimeoutMs', o.headersTimeoutMs, 100, 600_000);
  checkInt('requestTimeoutMs', o.requestTimeoutMs, 100, 3_600_000);
  if (o.requestTimeoutMs < o.headersTimeoutMs) {
    throw invalidOption(`requestTimeoutMs (${o.requestTimeoutMs}) must be at least headersTimeoutMs (${o.headersTimeoutMs})`);
  }
  checkInt('keepAliveTimeoutMs', o.keepAliveTimeoutMs, 100, 600_000);
  checkInt('maxPendingConnections', o.maxPendingConnections, 1, 1_000_000);
  checkInt('maxAttempts', o.maxAttempts, LIMITS.maxAttempts.min, LIMITS.maxAttempts.max);
  checkInt('maxPartitions', o.maxPartitions, LIMITS.partitions.min, LIMITS.partitions.max);
  checkInt('maxAgentCredit', o.maxAgentCredit, 1, 1_000_000);
  checkInt('timeoutGraceMs', o.timeoutGraceMs, 0, 3_600_000);
  checkInt('tickMs', o.tickMs, 5, 10_000);
  if (o.tickMs > o.heartbeatMs) throw invalidOption(`tickMs (${o.tickMs}) must not exceed heartbeatMs (${o.heartbeatMs})`);
  checkNumber('speculation.quantile', o.speculation.quantile, 0, 1);
  checkNumber('speculation.multiplier', o.speculation.multiplier, 1);
  checkNumber('speculation.minRuntimeMs', o.speculation.minRuntimeMs, 0);
  if (!SCHEDULING_MODES.includes(o.scheduling)) throw invalidOption(`scheduling must be one of ${SCHEDULING_MODES.join(', ')}, got ${String(o.scheduling)}`);
  checkTokenSources(o);
  if (o.agentToken !== undefined && !o.token && o.tokenFile === undefined)
    throw invalidOption('agentToken needs token as well: with split credentials, token is the client credential');
  if (o.agentToken !== undefined && o.agentToken === o.token) throw invalidOption('agentToken must differ from token, or the split grants nothing');
  o.tasksDirs = resolveTasksDirs(o.tasksDirs);
  if (o.journalRecover && o.stateDir === undefined) throw invalidOption('journalRecover needs stateDir: there is no journal to recover without --state-dir');
  if (typeof o.metricsPublic !== 'boolean') throw invalidOption('metricsPublic must be true or false');
  o.tls = checkTlsOptions(o.tls, o.insecureNoTls);
  checkBind(o.host, Boolean(o.token || o.tokenFile), o.tls !== undefined, o.insecureNoTls);
  return o;
}

/** A token and its file are two answers to one question; agent tokens need client tokens. The files' contents are checked when read (credentials.ts). */
function checkTokenSources(o: CompiledCoordinatorOptions): void {
  if (o.tokenFile !== undefined && o.token !== undefined)
    throw invalidOption('token and tokenFile (--token and --token-file) conflict: pass one (COHORT_TOKEN is ignored with a token file)');
  if (o.agentTokenFile !== undefined && o.agentToken !== undefined)
    throw invalidOption(
      'agentToken and agentTokenFile (--agent-token and --agent-token-file) conflict: pass one (COHORT_AGENT_TOKEN is ignored with a token file)',
    );
  if (o.agentTokenFile !== undefined && !o.token && o.tokenFile === undefined)
    throw invalidOption('agentTokenFile needs token or tokenFile as well: with split credentials, they are the client credential');
}
