/**
 * Agent options in one place: user options, `withDefaults()`, `compileOptions()`.
 */
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AGENT_MODES,
  CohortError,
  ErrorCode,
  AGENT_PATH,
  LIMITS,
  MAX_LENGTH,
  checkInt,
  checkOneOf,
  createLogger,
  DEFAULT_MAX_SHARED_BYTES,
  invalidOption,
  isLoopbackHost,
  isSecureUrl,
  normalizeTlsOptions,
  parseCoordinatorUrl,
  refuseTlsOverPlain,
  refuseTokenInClear,
  resolveAgentToken,
  resolveTasksDirs,
  type AgentMode,
  type Logger,
  type TlsClientOptions,
} from '@cohort/shared';
import { DEFAULT_TLS_CONNECT_TIMEOUT_MS, tlsClientFromFlags } from '@cohort/shared/internal';
import { DEFAULT_HEAP_LIMIT_MB } from './slots/constants.js';

/** Threads, with process slots for tasks that ask for them or crash a thread. */
export const DEFAULT_MODE: AgentMode = 'auto';
/** Partitions the agent asks to hold beyond its slots (announced in `hello`). */
export const DEFAULT_MAX_PREFETCH = 4096;
/** Per-slot V8 old-generation limit, MB (defined with the slot pool's limits). */
export { DEFAULT_HEAP_LIMIT_MB };
/** First delay before reconnecting; doubled per failure, with full jitter. */
export const DEFAULT_RECONNECT_INITIAL_MS = 100;
/** The longest delay between reconnect attempts. */
export const DEFAULT_RECONNECT_MAX_MS = 5000;
/** How long a drain lets running partitions finish before stopping them. */
export const DEFAULT_DRAIN_GRACE_MS = 30_000;
/** How often CPU and memory load is sampled. */
export const DEFAULT_LOAD_SAMPLE_MS = 2000;
/** Results kept while disconnected, to be reported after re-joining. */
export const DEFAULT_MAX_HELD_RESULTS = 200_000;
/** The largest frame the agent accepts from the coordinator (assign frames carry inputs). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** The most to wait for the WebSocket upgrade to complete. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** The most a TCP connect plus TLS handshake to a wss:// coordinator may take (then a reconnect follows); shared's default for every client. */
export { DEFAULT_TLS_CONNECT_TIMEOUT_MS };
/** The most of a refused upgrade's body (401, 400) read for its error code (not an option: the coordinator's answers are small). */
export const DEFAULT_MAX_REFUSAL_BYTES = 4096;
/** The most to wait for that body before taking the refusal as uncoded (not an option). */
export const DEFAULT_REFUSAL_READ_MS = 2000;
/** The most to wait for the socket to flush held results before closing after a drain. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 2000;
/** Where verified task bundles are kept (`<hash>.mjs`); created 0700 if missing. Agents of one user on one host may share it. */
export const DEFAULT_CACHE_DIR = path.join(os.tmpdir(), 'cohort-bundles');
/** The most bytes of task bundles kept on disk (least recently used evicted first); also the largest bundle the agent takes. */
export const DEFAULT_CACHE_MAX_BYTES = 1024 * 1024 * 1024;
/** The most bytes of jobs' shared values held at once (their sum); also the largest one taken. Shared's default, as the coordinator's. */
export { DEFAULT_MAX_SHARED_BYTES };
/** The smallest cache allowed: one chunk of a bundle. */
export const MIN_CACHE_MAX_BYTES = 1024 * 1024;
/** Where `metricsPort` binds: loopback, unless told otherwise. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** The agent's GET /metrics asks for the agent's token when it has one; `metricsPublic` serves it without. */
export const DEFAULT_METRICS_PUBLIC = false;
/** Load goes out with every Nth heartbeat (not an option: a protocol rhythm). */
export const LOAD_EVERY_HEARTBEATS = 4;

export interface AgentOptions {
  /** ws://host:port or wss://host:port of the coordinator. */
  connect: string;
  /** The credential presented at the upgrade; defaults to COHORT_AGENT_TOKEN, then COHORT_TOKEN. */
  token?: string;
  /**
   * How a wss:// coordinator is verified before the token is sent: a pinned `fingerprint` (sha256:HEX) or a `ca`
   * bundle (PEM text), else the system's CAs; `cert` and `key` (PEM) for mutual TLS. Defaults to COHORT_TLS_FINGERPRINT
   * and COHORT_TLS_CA (a PEM file's path) for a wss:// URL only. Given here, refused with a ws:// URL; a CA and a
   * fingerprint together, and a key that is not the certificate's, are refused.
   */
  tls?: TlsClientOptions;
  /**
   * Send the token over a plain ws:// URL beyond loopback (a network you trust). Without it such a URL is refused
   * with TLS_REQUIRED before anything is sent. Default false.
   */
  insecureNoTls?: boolean;
  /** Directories whose .js/.mjs modules the slots may load as tasks (resolved to real paths). */
  tasksDirs?: string[];
  mode?: AgentMode;
  slots?: number;
  name?: string;
  maxPrefetch?: number;
  heapLimitMb?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  drainGraceMs?: number;
  loadSampleMs?: number;
  maxHeldResults?: number;
  maxPayloadBytes?: number;
  handshakeTimeoutMs?: number;
  /** The most a TCP connect plus TLS handshake to a wss:// coordinator may take; default DEFAULT_TLS_CONNECT_TIMEOUT_MS. */
  tlsConnectTimeoutMs?: number;
  flushTimeoutMs?: number;
  /** Where fetched task bundles are kept; default DEFAULT_CACHE_DIR. Must be this user's and writable by no one else. */
  cacheDir?: string;
  /** The most bytes of bundles kept there; default DEFAULT_CACHE_MAX_BYTES. */
  cacheMaxBytes?: number;
  /** The most bytes of jobs' shared values held at once (their sum, so also the largest); default DEFAULT_MAX_SHARED_BYTES (1 GiB). */
  maxSharedBytes?: number;
  /** A file whose mtime is refreshed with every heartbeat sent while connected (for container health checks); defaults to COHORT_HEALTH_FILE. */
  healthFile?: string;
  /** Serve GET /metrics (Prometheus: slot-level figures) on this port; 0 picks a free one (read it back from `agent.metricsPort`). Default: off. */
  metricsPort?: number;
  /** The address `metricsPort` binds; default DEFAULT_METRICS_HOST (loopback). Beyond loopback it needs a token, or `metricsPublic`. */
  metricsHost?: string;
  /** Serve /metrics without the token (a scraper on a private network); default DEFAULT_METRICS_PUBLIC (false). */
  metricsPublic?: boolean;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface CompiledAgentOptions {
  connect: string;
  url: string;
  token: string | undefined;
  /** Verification of a wss:// coordinator; undefined: the system's CAs (or a ws:// URL). */
  tls: TlsClientOptions | undefined;
  insecureNoTls: boolean;
  /** Real absolute paths; passed to every slot. */
  tasksDirs: string[];
  mode: AgentMode;
  slots: number;
  name: string;
  maxPrefetch: number;
  heapLimitMb: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  drainGraceMs: number;
  loadSampleMs: number;
  maxHeldResults: number;
  maxPayloadBytes: number;
  handshakeTimeoutMs: number;
  tlsConnectTimeoutMs: number;
  flushTimeoutMs: number;
  healthFile: string | undefined;
  /** The real absolute path of the bundle cache (exists, private to this user); passed to every slot. */
  cacheDir: string;
  cacheMaxBytes: number;
  maxSharedBytes: number;
  metricsPort: number | undefined;
  metricsHost: string;
  metricsPublic: boolean;
  logger: Logger;
}

export function withDefaults(options: AgentOptions): Omit<CompiledAgentOptions, 'url'> {
  return {
    connect: options.connect,
    token: resolveAgentToken(options.token, options.env),
    tls: normalizeTlsOptions(options.tls) ?? tlsClientFromFlags({}, options.env ?? process.env, isSecureUrl(options.connect)),
    insecureNoTls: options.insecureNoTls ?? false,
    tasksDirs: options.tasksDirs ?? [],
    mode: options.mode ?? DEFAULT_MODE,
    slots: options.slots ?? os.availableParallelism(),
    name: options.name ?? `${os.hostname()}-${process.pid}`,
    maxPrefetch: options.maxPrefetch ?? DEFAULT_MAX_PREFETCH,
    heapLimitMb: options.heapLimitMb ?? DEFAULT_HEAP_LIMIT_MB,
    reconnectInitialMs: options.reconnectInitialMs ?? DEFAULT_RECONNECT_INITIAL_MS,
    reconnectMaxMs: options.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS,
    drainGraceMs: options.drainGraceMs ?? DEFAULT_DRAIN_GRACE_MS,
    loadSampleMs: options.loadSampleMs ?? DEFAULT_LOAD_SAMPLE_MS,
    maxHeldResults: options.maxHeldResults ?? DEFAULT_MAX_HELD_RESULTS,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    tlsConnectTimeoutMs: options.tlsConnectTimeoutMs ?? DEFAULT_TLS_CONNECT_TIMEOUT_MS,
    flushTimeoutMs: options.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS,
    healthFile: options.healthFile ?? ((options.env ?? process.env).COHORT_HEALTH_FILE || undefined),
    cacheDir: options.cacheDir ?? DEFAULT_CACHE_DIR,
    cacheMaxBytes: options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES,
    maxSharedBytes: options.maxSharedBytes ?? DEFAULT_MAX_SHARED_BYTES,
    metricsPort: options.metricsPort,
    metricsHost: options.metricsHost ?? DEFAULT_METRICS_HOST,
    metricsPublic: options.metricsPublic ?? DEFAULT_METRICS_PUBLIC,
    logger: options.logger ?? createLogger().child({ component: 'agent' }),
  };
}

export function compileOptions(options: AgentOptions): CompiledAgentOptions {
  const o = withDefaults(options);
  if (typeof o.connect !== 'string' || o.connect === '') throw invalidOption('connect is required: the coordinator URL, e.g. ws://127.0.0.1:7070');
  const target = agentUrl(o.connect);
  refuseTlsOverPlain(target, explicitTls(options.tls));
  refuseTokenInClear(target, o.token !== undefined && o.token !== '', o.insecureNoTls);
  checkOneOf('mode', o.mode, AGENT_MODES);
  checkInt('slots', o.slots, LIMITS.slots.min, LIMITS.slots.max);
  checkInt('maxPrefetch', o.maxPrefetch, LIMITS.maxPrefetch.min, LIMITS.maxPrefetch.max);
  checkInt('heapLimitMb', o.heapLimitMb, 16, 1_000_000);
  checkInt('reconnectInitialMs', o.reconnectInitialMs, 1, 600_000);
  checkInt('reconnectMaxMs', o.reconnectMaxMs, o.reconnectInitialMs, 3_600_000);
  checkInt('drainGraceMs', o.drainGraceMs, 0, 3_600_000);
  checkInt('loadSampleMs', o.loadSampleMs, 100, 3_600_000);
  checkInt('maxHeldResults', o.maxHeldResults, 0, 100_000_000);
  checkInt('maxPayloadBytes', o.maxPayloadBytes, 1024, 2 ** 31 - 1);
  checkInt('handshakeTimeoutMs', o.handshakeTimeoutMs, 1, 600_000);
  checkInt('tlsConnectTimeoutMs', o.tlsConnectTimeoutMs, 1, 600_000);
  checkInt('flushTimeoutMs', o.flushTimeoutMs, 0, 600_000);
  checkInt('cacheMaxBytes', o.cacheMaxBytes, MIN_CACHE_MAX_BYTES);
  checkInt('maxSharedBytes', o.maxSharedBytes, 0, LIMITS.sharedBytes.max);
  if (o.name.length === 0 || o.name.length > MAX_LENGTH.agentName) throw invalidOption(`name must be 1 to ${MAX_LENGTH.agentName} characters`);
  checkMetrics(o);
  return {
    ...o,
    tasksDirs: resolveTasksDirs(o.tasksDirs),
    cacheDir: privateCacheDir(o.cacheDir),
    url: `${target.wsUrl}${target.pathname === '/' ? AGENT_PATH : target.pathname}`,
  };
}

/** `connect` parsed: a ws:// or wss:// coordinator URL (http:// is the API's, not the agents'). */
function agentUrl(connect: string) {
  const bad = () => invalidOption(`connect must be a ws:// or wss:// URL, got ${JSON.stringify(String(connect).slice(0, 200))}`);
  let target: ReturnType<typeof parseCoordinatorUrl>;
  try {
    target = parseCoordinatorUrl(connect);
  } catch {
    throw bad();
  }
  if (target.scheme !== 'ws' && target.scheme !== 'wss') throw bad();
  return target;
}

/** What to name when TLS options given in code (or by the CLI's flags) meet a ws:// URL; undefined when none were given. */
function explicitTls(tls: TlsClientOptions | undefined): string | undefined {
  if (tls === undefined) return undefined;
  return tls.fingerprint !== undefined ? '--tls-fingerprint' : tls.ca !== undefined ? '--tls-ca' : '--tls-cert';
}

/** The metrics endpoint's options: a port when on; beyond loopback, a token or an explicit `metricsPublic`. */
function checkMetrics(o: Pick<CompiledAgentOptions, 'metricsPort' | 'metricsHost' | 'metricsPublic' | 'token'>): void {
  if (typeof o.metricsPublic !== 'boolean') throw invalidOption('metricsPublic must be true or false');
  if (o.metricsPort === undefined) return;
  checkInt('metricsPort', o.metricsPort, 0, 65535);
  if (!o.token && !o.metricsPublic && !isLoopbackHost(o.metricsHost)) {
    throw new CohortError(
      ErrorCode.INSECURE_BIND,
      `refusing to serve metrics on ${o.metricsHost} without a token: pass --token, --metrics-public for a private network, or bind 127.0.0.1`,
    );
  }
}

/**
 * Create the bundle cache directory (0700) if need be, and return its real
 * path. The slots import code from it, so it must be this user's and
 * writable by no one else: a directory another user could write to is refused.
 */
export function privateCacheDir(dir: string): string {
  if (typeof dir !== 'string' || dir === '') throw invalidOption('cacheDir must be a directory path');
  let real: string;
  try {
    mkdirSync(path.resolve(dir), { recursive: true, mode: 0o700 });
    real = realpathSync(path.resolve(dir));
  } catch (err) {
    throw invalidOption(`cacheDir ${JSON.stringify(dir)} cannot be created: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const info = statSync(real);
  if (!info.isDirectory()) throw invalidOption(`cacheDir ${JSON.stringify(dir)} is not a directory`);
  const uid = process.getuid?.();
  if ((uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw invalidOption(`cacheDir ${JSON.stringify(dir)} must belong to this user and be writable by no one else (mode 0700)`);
  }
  return real;
}
