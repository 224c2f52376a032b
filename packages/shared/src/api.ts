/**
 * The coordinator's HTTP and event-stream contract: what `GET /api/jobs`,
 * `GET /api/jobs/:id`, `GET /api/agents` and `/api/jobs/:id/events` answer.
 * The coordinator builds these values and every client (runJob, the drills,
 * the demo, the tests) reads them, from this one declaration.
 */
import type { ErrorCode } from './errors.js';
import type { AgentMode, Hardware, Load, SlotMode } from './protocol.js';
import type { SharedDelivery, SharedRef } from './shared-input.js';

/** A job's life: queued → running → merging → succeeded, or failed / cancelled from any live state. */
export const JOB_STATUSES = ['queued', 'running', 'merging', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses a job ends in. */
export const FINISHED_JOB_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];
export type FinishedJobStatus = (typeof FINISHED_JOB_STATUSES)[number];

/** An agent session, as the coordinator sees it. */
export const AGENT_STATES = ['joining', 'ready', 'suspect', 'draining', 'dead', 'left'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** Why a job failed or was cancelled. */
export interface JobError {
  code: string;
  message: string;
  /** For PARTITION_FAILED, a `PartitionFailure` (read it with `partitionFailure()`). */
  details?: Record<string, unknown>;
}

/** What the API and the CLI show of a job: the answer of `GET /api/jobs/:id`, `POST /api/jobs`, and the stream's `end`. */
export interface JobReport {
  jobId: string;
  task: string;
  status: JobStatus;
  /** The merged result once the job succeeded, else null; its shape is the task's. */
  result: unknown;
  partitions: number;
  done: number;
  /** Started on an agent's slot. */
  running: number;
  /** Sent to an agent and not started yet (prefetched); `waiting` counts what was sent nowhere yet. */
  assigned: number;
  waiting: number;
  durationMs: number;
  /** Attempts issued in all; more than `partitions` means retries, requeues or speculative copies. */
  attempts: number;
  duplicates: number;
  requeued: number;
  speculative: number;
  /** Partitions whose results were reloaded from the journal after a coordinator restart. */
  recovered: number;
  /** Sum of accepted partitions' run times inside their slots, ms (the work itself, without scheduling). */
  slotMs: number;
  agents: Record<string, { partitions: number; thread: number; process: number }>;
  modes: Record<SlotMode, number>;
  /** How many partitions ran in each mode, and why (`thread:profile-thread`: count). */
  modeReasons: Record<string, number>;
  /** The job's weight against other running jobs when slots are shared (1 unless the job asked). */
  priority: number;
  /**
   * The job's shared value, when it had one: its name and size, and how many
   * accepted partitions read it over shared memory (thread slots) or from a copy
   * (process slots).
   */
  shared?: SharedRef & { delivery: Record<SharedDelivery, number> };
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  error?: JobError;
  /** With `?encoding=msgpack` on a succeeded job: the merged result exactly (`unpackValue`), beside its JSON view in `result`. */
  packed?: string;
}

/** The small, frequent form sent on the progress stream (`progress` events). */
export interface JobProgress {
  jobId: string;
  status: JobStatus;
  done: number;
  total: number;
  /** Started on an agent's slot. */
  running: number;
  /** Sent to an agent and not started yet (prefetched). */
  assigned: number;
  attempts: number;
  requeued: number;
  duplicates: number;
  speculative: number;
}

/** One item of `GET /api/jobs`. */
export type JobSummary = JobProgress & { task: string };

/** One item of `GET /api/agents`. */
export interface AgentInfo {
  agentId: string;
  name: string;
  state: AgentState;
  slots: number;
  mode: AgentMode;
  /** Partitions it holds now. */
  held: number;
  /** The most it may hold (slots plus prefetch). */
  window: number;
  accepted: number;
  failed: number;
  silentMs: number;
  load: Load | null;
  hardware: Hardware;
  /** Tasks this agent now runs in processes after a crash. */
  escalated: Record<string, SlotMode>;
}

/** Something a watcher or a drill wants to see: an agent joined, was lost, a copy was issued (`cluster` events). */
export type ClusterEvent =
  | { kind: 'agent-joined'; at: number; agentId: string; agent: string; slots: number; mode: AgentMode }
  | { kind: 'agent-suspect'; at: number; agentId: string; agent: string; silentMs: number }
  | { kind: 'agent-lost'; at: number; agentId: string; agent: string; reason: 'closed' | 'timeout' | 'left'; silentMs: number; requeued: number }
  | { kind: 'speculative-copy'; at: number; jobId: string; partition: number; agent: string; runningMs: number }
  /** `why`: the crash's evidence in plain words (the slot's exit code or signal), printable and bounded. */
  | { kind: 'mode-escalated'; at: number; agentId: string; agent: string; task: string; mode: SlotMode; evidence?: ErrorCode; why?: string };

/** The cluster events of one kind. */
export type ClusterEventOf<K extends ClusterEvent['kind']> = Extract<ClusterEvent, { kind: K }>;

/**
 * One partition's accepted result, on a stream opened with `?results=1`:
 * every accepted result of the job, once each, in the order accepted, all
 * before the stream's `end`. `value` is the JSON view of the result (BigInt
 * as a string, Map and Set as arrays…); with `&encoding=msgpack` it is
 * absent and `packed` carries the exact value (base64 of the shared codec's
 * msgpack), which `unpackValue` restores.
 */
export interface PartitionResultEvent {
  jobId: string;
  index: number;
  /** The attempt whose result was accepted; 0 when it was reloaded from the journal. */
  attempt: number;
  agent: string;
  mode: SlotMode;
  /** Run time inside the slot, ms. */
  ms: number;
  value?: unknown;
  packed?: string;
}

/** The events of `/api/jobs/:id/events` (`/api/events` carries only `cluster` ones). */
export type JobStreamEvent =
  | { event: 'progress'; data: JobProgress }
  /** A stream opened by `POST /api/jobs` with `accept: text/event-stream` starts with the job's first report. */
  | { event: 'submitted'; data: JobReport }
  | { event: 'result'; data: PartitionResultEvent }
  | { event: 'cluster'; data: ClusterEvent }
  | { event: 'end'; data: JobReport }
  /** The watcher fell too far behind (SLOW_CONSUMER): the stream ends with this. */
  | { event: 'error'; data: { code: string; message: string } };

/** One failed attempt of a partition, in a PARTITION_FAILED error's details. */
export interface FailedAttempt {
  attempt: number;
  agent: string;
  /** `unknown` when the coordinator itself timed the attempt out. */
  mode: SlotMode | 'unknown';
  code: string;
  message: string;
}

/** The details of a PARTITION_FAILED job error. */
export type PartitionFailure = {
  jobId: string;
  task: string;
  partition: number;
  /** A summary of the partition's input (absent when it was lost, not failed). */
  input?: string;
  /** Each failed attempt, or the number of attempts issued when the partition was lost too often. */
  attempts: FailedAttempt[] | number;
  /** Agents that died while running it. */
  deaths: string[];
  /** What to try next. */
  next: string;
};
