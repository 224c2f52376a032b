/**
 * Every error Cohort raises carries a stable `code`. Tests and peers compare
 * codes, never message text and never `instanceof` across thread or process
 * boundaries. The table below is mirrored in the README's error-code table.
 */

export const ErrorCode = {
  /** Missing or wrong token at the WebSocket upgrade or on the HTTP API. */
  AUTH_FAILED: 'AUTH_FAILED',
  /** A frame that does not decode, or decodes to something that is not a valid message. */
  BAD_FRAME: 'BAD_FRAME',
  /** A frame larger than the configured maximum payload. */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** The peer speaks another protocol version. */
  PROTOCOL_VERSION: 'PROTOCOL_VERSION',
  /** The first message on an agent socket was not `hello`, or it did not arrive in time. */
  HANDSHAKE_FAILED: 'HANDSHAKE_FAILED',
  /** The coordinator declared this agent session dead (missed heartbeats). */
  DECLARED_DEAD: 'DECLARED_DEAD',
  /** The coordinator or agent is shutting down. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** No task module with that name. */
  UNKNOWN_TASK: 'UNKNOWN_TASK',
  /** The task rejected its input (in `split`, `run` or `merge`). */
  BAD_INPUT: 'BAD_INPUT',
  /** An HTTP API request that is malformed. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** An HTTP API request for a job or route that does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The task's `run` threw. */
  TASK_ERROR: 'TASK_ERROR',
  /** The slot running a partition died (exit, signal, abort, out of memory). */
  SLOT_CRASHED: 'SLOT_CRASHED',
  /** A slot could not be started. */
  SLOT_START_FAILED: 'SLOT_START_FAILED',
  /** A partition ran past its `timeoutMs`. */
  PARTITION_TIMEOUT: 'PARTITION_TIMEOUT',
  /** A partition failed on every attempt; the job fails with this code. */
  PARTITION_FAILED: 'PARTITION_FAILED',
  /** The job or partition was cancelled. */
  CANCELLED: 'CANCELLED',
  /** A state machine was asked for a move its table does not allow. */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  /** An option is missing, out of range, or conflicts with another. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** Binding a non-loopback address without a token, or without TLS (unless `--insecure-no-tls`). */
  INSECURE_BIND: 'INSECURE_BIND',
  /** A TLS connection that could not be verified: a pinned fingerprint that does not match, a certificate not signed by the trusted CA, expired, or for another name; a client certificate missing or refused. The message names both fingerprints (expected and presented) where there are two. */
  TLS_FAILED: 'TLS_FAILED',
  /** Plain ws:// or http:// sent to a port that speaks TLS: connect with wss:// or https://. */
  TLS_REQUIRED: 'TLS_REQUIRED',
  /** The token a session authenticated with was removed from the token file (reloaded on SIGHUP); the session is closed within a heartbeat period. */
  AUTH_REVOKED: 'AUTH_REVOKED',
  /** The coordinator could not be reached. */
  CONNECT_FAILED: 'CONNECT_FAILED',
  /** The journal is damaged with valid records after the damage: the coordinator refuses to start until `--journal-recover`. */
  JOURNAL_CORRUPT: 'JOURNAL_CORRUPT',
  /** The journal could not be written or synced; the coordinator stops rather than acknowledge what is not durable. */
  JOURNAL_WRITE_FAILED: 'JOURNAL_WRITE_FAILED',
  /** Another live coordinator holds this state directory. */
  STATE_DIR_LOCKED: 'STATE_DIR_LOCKED',
  /** A partition's result is a value the value model cannot carry (BigInt beyond 64 bits, a cycle, a function…); that attempt fails. */
  RESULT_NOT_SERIALIZABLE: 'RESULT_NOT_SERIALIZABLE',
  /** A partition's encoded result is larger than a frame may be; that attempt fails. */
  RESULT_TOO_LARGE: 'RESULT_TOO_LARGE',
  /** An agent sent results for attempts it was never issued, again and again; its connection is closed. */
  RESULT_NOT_ISSUED: 'RESULT_NOT_ISSUED',
  /** A peer sent more messages of a kind than its bound allows (a flood); its connection is closed. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A credential that is valid, but not for this role (an agent credential on the client API). */
  FORBIDDEN: 'FORBIDDEN',
  /** A trusted task module exists but could not be loaded: a syntax error, a throw at load, no default task export. */
  TASK_LOAD_FAILED: 'TASK_LOAD_FAILED',
  /** A watcher read its event stream too slowly and was dropped, with this code in its final event. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** The coordinator could not listen on its address (EADDRINUSE, EACCES…); it exits at once. */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** No bundle with that hash here: upload it first (client), or it is not a bundle of a job this agent was issued (agent). */
  BUNDLE_NOT_FOUND: 'BUNDLE_NOT_FOUND',
  /** A bundle's bytes do not hash to its name: refused at upload, after a fetch, or when read back from disk. */
  BUNDLE_HASH_MISMATCH: 'BUNDLE_HASH_MISMATCH',
  /** A bundle larger than the limit; refused before upload, with its largest inputs listed. */
  BUNDLE_TOO_LARGE: 'BUNDLE_TOO_LARGE',
  /** A task could not be bundled: a build error, a native addon, a file that is not there. */
  BUNDLE_BUILD_FAILED: 'BUNDLE_BUILD_FAILED',
  /** An agent could not fetch a bundle (the connection was lost, the coordinator refused it); that attempt fails. */
  BUNDLE_FETCH_FAILED: 'BUNDLE_FETCH_FAILED',
  /** No shared value with that hash here: upload it first (client), or it is not the shared value of a job this agent was issued (agent). */
  SHARED_NOT_FOUND: 'SHARED_NOT_FOUND',
  /** A shared value's bytes do not hash to its name: refused at upload, after a fetch, or when read back from disk. */
  SHARED_HASH_MISMATCH: 'SHARED_HASH_MISMATCH',
  /** A shared value larger than the coordinator's or the agent's limit (`--max-shared-bytes`). */
  SHARED_TOO_LARGE: 'SHARED_TOO_LARGE',
  /** An agent could not fetch a job's shared value (the connection was lost, the coordinator refused it); that attempt fails. */
  SHARED_FETCH_FAILED: 'SHARED_FETCH_FAILED',
  /** A result stream re-attached after the coordinator let go of the job's partition results (the job ended, or it restarted): results() cannot give them all; result() still can. */
  RESULTS_GONE: 'RESULTS_GONE',
  /** Something that should never happen. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * WebSocket close codes (4000-4999 are for applications). The close reason
 * carries the error code string, so a peer can read it without parsing text.
 */
export const CloseCode: Partial<Record<ErrorCode, number>> = {
  AUTH_FAILED: 4001,
  BAD_FRAME: 4002,
  FRAME_TOO_LARGE: 1009,
  PROTOCOL_VERSION: 4004,
  HANDSHAKE_FAILED: 4005,
  DECLARED_DEAD: 4006,
  SHUTTING_DOWN: 4007,
  RESULT_NOT_ISSUED: 4008,
  RATE_LIMITED: 4009,
  AUTH_REVOKED: 4010,
  INTERNAL: 1011,
};

/** HTTP status for each code the API can return. */
export const HttpStatus: Partial<Record<ErrorCode, number>> = {
  AUTH_FAILED: 401,
  FORBIDDEN: 403,
  BAD_REQUEST: 400,
  TASK_LOAD_FAILED: 400,
  BAD_INPUT: 400,
  UNKNOWN_TASK: 400,
  NOT_FOUND: 404,
  SHUTTING_DOWN: 503,
  FRAME_TOO_LARGE: 413,
  BUNDLE_NOT_FOUND: 404,
  BUNDLE_HASH_MISMATCH: 400,
  BUNDLE_TOO_LARGE: 413,
  SHARED_NOT_FOUND: 404,
  SHARED_HASH_MISMATCH: 400,
  SHARED_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  TLS_FAILED: 401,
  TLS_REQUIRED: 400,
  AUTH_REVOKED: 401,
};

/** The plain-object form of an error, as it crosses a socket, thread or process. */
export interface WireError {
  code: ErrorCode;
  name: string;
  message: string;
  stack?: string;
  /** Structured evidence: exit code, signal, partition ids, what to try next. */
  details?: Record<string, unknown>;
}

export class CohortError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CohortError';
    this.code = code;
    if (options.details) this.details = options.details;
  }

  /** The WebSocket close code for this error, where one applies. */
  get closeCode(): number | undefined {
    return CloseCode[this.code];
  }

  toWire(): WireError {
    return toWireError(this);
  }
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

/** Turn anything thrown into a WireError, keeping a known code and falling back to `fallback`. */
export function toWireError(err: unknown, fallback: ErrorCode = ErrorCode.INTERNAL): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const details = (err as { details?: unknown }).details;
    const wire: WireError = {
      code: isErrorCode(code) ? code : fallback,
      name: err.name,
      message: err.message,
    };
    if (err.stack) wire.stack = err.stack;
    if (details && typeof details === 'object') wire.details = details as Record<string, unknown>;
    return wire;
  }
  return { code: fallback, name: 'Error', message: String(err) };
}

export function fromWireError(wire: WireError): CohortError {
  const err = new CohortError(wire.code, wire.message, wire.details ? { details: wire.details } : {});
  if (wire.stack) err.stack = wire.stack;
  return err;
}
