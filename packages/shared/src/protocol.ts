/**
 * The wire protocol between coordinator and agents. One discriminated union
 * per direction, keyed by `type`, agreed at the handshake by `protocol`.
 *
 * Partition messages carry `(jobId, p, a)`: job, partition index, attempt.
 * Batches group items of one job so that small partitions never cost a frame
 * each. Flow control is by credit: an agent's `hello` declares its slots and
 * the most partitions it will queue (`maxPrefetch`); the coordinator keeps
 * each agent's in-flight count within `slots + prefetch`.
 */
import type { WireError } from './errors.js';
import type { SharedRef } from './shared-input.js';
import type { Isolation } from './task.js';

/**
 * 2: task bundles (`bundle-get`, `bundle-part`, `bundle-refused`).
 * 3: shared job input (`assign.shared`, `assign.sharedInput`, `shared-get`, `shared-part`, `shared-refused`, `release`).
 */
export const PROTOCOL_VERSION = 3;

/** Where one partition runs. */
export const SLOT_MODES = ['thread', 'process'] as const;
export type SlotMode = (typeof SLOT_MODES)[number];
/** How an agent chooses: always threads, always processes, or per task. */
export const AGENT_MODES = ['threads', 'processes', 'auto'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

/** Why a partition ran where it ran; recorded in each result. */
export const MODE_REASONS = [
  'agent-threads', // the agent runs only threads
  'agent-processes', // the agent runs only processes
  'profile-thread', // auto: the task asks for threads
  'profile-process', // auto: the task asks for processes
  'auto-cpu-pure', // auto: task says 'auto'; threads start faster here
  'escalated-after-crash', // auto: this task crashed a thread slot on this agent before
  'profile-shared-input', // auto: the task says `profile.sharedInput`, so threads share its job's shared value
] as const;
export type ModeReason = (typeof MODE_REASONS)[number];

export interface Hardware {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  platform: string;
  arch: string;
  node: string;
  hostname: string;
}

export interface Load {
  /** CPU use of the whole host, 0-100. */
  cpuPercent: number;
  /** Memory in use on the host, 0-100. */
  memoryPercent: number;
  load1: number;
  /** Partitions queued on the agent and not yet in a slot. */
  queued: number;
  /** Slots running a partition now. */
  busySlots: number;
}

// ---------------------------------------------------------------- agent → coordinator

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  agentVersion: string;
  name: string;
  slots: number;
  mode: AgentMode;
  modes: SlotMode[];
  /** The most partitions beyond its slots the agent is willing to queue. */
  maxPrefetch: number;
  hardware: Hardware;
  /** The session this agent had before, when it is re-joining. */
  previousSessionId?: string;
}

export interface AgentHeartbeatMessage {
  type: 'heartbeat';
  seq: number;
  sentAt: number;
  load?: Load;
}

export interface ResultOk {
  p: number;
  a: number;
  ok: true;
  value: unknown;
  /** Run time inside the slot, milliseconds. */
  ms: number;
  mode: SlotMode;
  why: ModeReason;
}

export interface ResultFailed {
  p: number;
  a: number;
  ok: false;
  error: WireError;
  ms: number;
  mode: SlotMode;
  why: ModeReason;
}

export type ResultItem = ResultOk | ResultFailed;

export interface ResultsMessage {
  type: 'results';
  jobId: string;
  items: ResultItem[];
}

/** Partitions that entered a slot (alone or in a batch): a partition running on an agent that dies is suspect. */
export interface StartedMessage {
  type: 'started';
  jobId: string;
  /** Pairs of partition index and attempt. */
  items: Array<[p: number, a: number]>;
}

/** The agent changed how it runs a task (auto mode escalation), with the evidence. */
export interface ModeChangeMessage {
  type: 'mode-change';
  task: string;
  mode: SlotMode;
  why: ModeReason;
  evidence?: WireError;
}

/** The agent is draining: no new work, finishing what it has. */
export interface DrainingMessage {
  type: 'draining';
}

/**
 * Ask for `BUNDLE_CHUNK_BYTES` of a bundle from `offset`: the task of job
 * `jobId` is `sha256:<hash>`, and the agent was issued a partition of it.
 * Answered by `bundle-part` or `bundle-refused`.
 */
export interface BundleGetMessage {
  type: 'bundle-get';
  jobId: string;
  hash: string;
  offset: number;
}

/**
 * Ask for `SHARED_CHUNK_BYTES` of a job's shared value from `offset`: the
 * agent was issued a partition of job `jobId`, whose shared value is `hash`.
 * Answered by `shared-part` or `shared-refused`.
 */
export interface SharedGetMessage {
  type: 'shared-get';
  jobId: string;
  hash: string;
  offset: number;
}

export type AgentMessage =
  | HelloMessage
  | AgentHeartbeatMessage
  | ResultsMessage
  | StartedMessage
  | ModeChangeMessage
  | DrainingMessage
  | BundleGetMessage
  | SharedGetMessage;

// ---------------------------------------------------------------- coordinator → agent

export interface WelcomeMessage {
  type: 'welcome';
  protocol: number;
  sessionId: string;
  coordinatorVersion: string;
  /**
   * Random for each start of the coordinator. Attempts issued by an earlier
   * start mean nothing to this one: an agent that sees it change drops the
   * results it held and the work it had queued.
   */
  coordinatorId?: string;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  /**
   * The largest frame the coordinator accepts. The agent's slots refuse a
   * result that would not fit (RESULT_TOO_LARGE) and its frames stay under it.
   * Optional: without it an agent assumes DEFAULT_MAX_FRAME_BYTES.
   */
  maxPayloadBytes?: number;
}

export interface AssignItem {
  p: number;
  a: number;
  input: unknown;
}

export interface AssignMessage {
  type: 'assign';
  jobId: string;
  task: string;
  /** The task's `profile.isolation`, so that the agent's main thread never loads task code. */
  isolation: Isolation;
  /** Kill the slot and fail the attempt after this long; 0 means no limit. */
  timeoutMs: number;
  /** The job's shared value: the agent fetches it once (`shared-get`) before running these items. Absent without one. */
  shared?: SharedRef;
  /** The task's `profile.sharedInput`: in auto mode the agent runs it on threads (`profile-shared-input`). */
  sharedInput?: true;
  /** The job's weight when the agent's queued jobs share its slots (LIMITS.priority); 1 when absent. */
  priority?: number;
  items: AssignItem[];
}

/** Stop work: the listed partitions of a job, or all of it when `items` is absent. */
export interface CancelMessage {
  type: 'cancel';
  jobId: string;
  items?: number[];
}

export interface CoordinatorHeartbeatMessage {
  type: 'heartbeat';
  seq: number;
  sentAt: number;
}

/** Bytes `[offset, offset + data.length)` of bundle `hash`, whose whole size is `total`. */
export interface BundlePartMessage {
  type: 'bundle-part';
  hash: string;
  offset: number;
  total: number;
  data: Uint8Array;
}

/** The coordinator will not serve this bundle (BUNDLE_NOT_FOUND, BUNDLE_HASH_MISMATCH…). */
export interface BundleRefusedMessage {
  type: 'bundle-refused';
  hash: string;
  error: WireError;
}

/** Bytes `[offset, offset + data.length)` of shared value `hash`, whose whole size is `total`. */
export interface SharedPartMessage {
  type: 'shared-part';
  hash: string;
  offset: number;
  total: number;
  data: Uint8Array;
}

/** The coordinator will not serve this shared value (SHARED_NOT_FOUND, SHARED_HASH_MISMATCH…). */
export interface SharedRefusedMessage {
  type: 'shared-refused';
  hash: string;
  error: WireError;
}

/** Job `jobId` ended: drop its shared value and anything else held for it. Sent to each agent that was issued the job. */
export interface ReleaseMessage {
  type: 'release';
  jobId: string;
}

export type CoordinatorMessage =
  | WelcomeMessage
  | AssignMessage
  | CancelMessage
  | CoordinatorHeartbeatMessage
  | BundlePartMessage
  | BundleRefusedMessage
  | SharedPartMessage
  | SharedRefusedMessage
  | ReleaseMessage;

export type AgentMessageType = AgentMessage['type'];
export type CoordinatorMessageType = CoordinatorMessage['type'];
