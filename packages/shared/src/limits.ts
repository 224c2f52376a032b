/**
 * Every bound a peer's value must respect, defined once. The HTTP API, the
 * frame validation, the coordinator's scheduler and the agent's options all
 * read these: a value one side accepts, the other side accepts too, so a
 * request can never put a job into a state that its agents refuse.
 *
 * A bound is inclusive at both ends. `checkBound` is the one check: it
 * throws a CohortError with the caller's code (BAD_REQUEST for the API,
 * BAD_FRAME for a frame, INVALID_OPTION for an option) naming the field.
 */
import { CohortError, type ErrorCode } from './errors.js';

export interface IntBound {
  readonly min: number;
  readonly max: number;
}

export const LIMITS = {
  /** Per-partition time limit of a job, ms; 0 means none. At most a day. */
  timeoutMs: { min: 0, max: 86_400_000 },
  /** Failed attempts (and agent deaths) a partition may take before the job fails. */
  maxAttempts: { min: 1, max: 100 },
  /** Partitions in one job; a coordinator's `maxPartitions` narrows it. */
  partitions: { min: 1, max: 100_000_000 },
  /** Attempt numbers are issued by the coordinator alone, and never above this. */
  attempt: { min: 1, max: 10_000 },
  /** Partition index on the wire. */
  partition: { min: 0, max: 100_000_000 },
  /** Slots an agent may declare. */
  slots: { min: 1, max: 1024 },
  /** Partitions an agent may ask to queue beyond its slots. */
  maxPrefetch: { min: 0, max: 65_536 },
  /** Items in one results, started or assign frame. */
  batchItems: { min: 0, max: 65_536 },
  /** Bytes of one task bundle, and any offset into one (a coordinator's `maxBundleBytes` narrows it). */
  bundleBytes: { min: 0, max: 1024 * 1024 * 1024 },
  /** Bytes of a job's shared value, and any offset into one (a coordinator's or agent's `maxSharedBytes` narrows it). */
  sharedBytes: { min: 0, max: 16 * 1024 * 1024 * 1024 },
  /** A job's share of the slots against other running jobs: a weight (a job of priority 2 gets twice the slots of one of 1). */
  priority: { min: 1, max: 1000 },
  /** Milliseconds a result may claim its partition ran. */
  resultMs: { min: 0, max: 86_400_000 * 7 },
} as const satisfies Record<string, IntBound>;

/** String lengths, in UTF-16 code units. */
export const MAX_LENGTH = {
  agentName: 128,
  agentVersion: 64,
  taskName: 1024,
  jobId: 64,
  sessionId: 64,
  /** One string field of `hello.hardware` (cpuModel, hostname…). */
  hardwareField: 256,
  errorMessage: 8192,
  errorStack: 16_384,
} as const;

/**
 * The most a peer's error `details` may weigh (roughly, in encoded bytes); larger
 * details are dropped. The coordinator keeps a failed attempt's error until its
 * job ends, so what one failure costs it must be bounded.
 */
export const MAX_ERROR_DETAILS_BYTES = 16 * 1024;

/** Per-connection rate bounds for agent messages that are broadcast or logged. */
export const RATES = {
  /** `mode-change` frames a session may send in its lifetime: one per task is news, more is a flood. */
  modeChangesPerSession: 1024,
  /** Results for attempts a session was never issued before it is closed with RESULT_NOT_ISSUED. */
  unissuedResultsPerSession: 64,
  /**
   * Bundle parts one session may have asked for and not yet been sent: an
   * agent keeps 4 outstanding per bundle it fetches, so this allows 8
   * fetches at once, and bounds what one session's asking can make the
   * coordinator read and buffer (32 MiB). Past it, the session is expelled.
   */
  bundleReadsInFlight: 32,
} as const;

export function inBound(value: unknown, bound: IntBound): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= bound.min && value <= bound.max;
}

/** Throw `code` naming `field` unless `value` is an integer within `bound`. */
export function checkBound(field: string, value: unknown, bound: IntBound, code: ErrorCode): number {
  if (!inBound(value, bound)) {
    throw new CohortError(code, `${field} must be an integer in [${bound.min}, ${bound.max}], got ${describe(value)}`, { details: { field } });
  }
  return value;
}

/** A short, safe description of a peer's value for an error message: never the whole value. */
export function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`.slice(0, 40);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
