/** The public types of the slot pool (re-exported by index.ts). */
import type { AgentMode, AssignItem, Isolation, Logger, ModeChangeMessage, ResultItem, SharedRef, SlotMode } from '@cohort/shared';
import type { SlotState } from './slot-machine.js';

/** What an assign batch says of all its items: the same for every partition of a job. */
export interface JobHeader {
  jobId: string;
  task: string;
  isolation: Isolation;
  /** Kill the slot and fail the partition with PARTITION_TIMEOUT after this long; 0 means no limit. */
  timeoutMs: number;
  /** The job's shared value: posted to a slot before its first batch of the job, read there as `ctx.shared`. */
  shared?: SharedRef;
  /** The task's `profile.sharedInput`: in auto mode it runs on threads (`profile-shared-input`). */
  sharedInput?: true;
  /** The job's weight when queued jobs share the slots (assign.priority); 1 when absent. */
  priority?: number;
}

/**
 * One assign batch, in the coordinator's shape: its header and its items
 * (`{p, a, input}`) as decoded. The items keep this shape from the wire to
 * the slot: queued, batched and posted without being copied into another.
 */
export interface Assignment extends JobHeader {
  items: readonly AssignItem[];
}

export interface SlotPoolEvents {
  /** Completed items of one job, in batches (never one call per partition when partitions are small). */
  onResults(jobId: string, items: ResultItem[]): void;
  /** Partitions that entered a slot; called only for partitions dispatched one at a time (long ones), batched per job. */
  onStarted(jobId: string, items: Array<[p: number, a: number]>): void;
  /** Auto mode escalated a task to processes after it crashed a thread slot, with the evidence. */
  onModeChange(change: ModeChangeMessage): void;
}

/** Why a slot ended, as the pool saw it. */
export type SlotExitCause = 'crash' | 'timeout' | 'cancel' | 'shutdown';

/** The evidence of one slot's end; also the `details` of a SLOT_CRASHED / PARTITION_TIMEOUT result. */
export interface SlotExitEvidence {
  slotId: string;
  mode: SlotMode;
  cause: SlotExitCause;
  exitCode: number | null;
  signal: string | null;
  /** The slot's state when it ended (busy, ready, …). */
  slotState: SlotState;
  pid: number | undefined;
  threadId: number | undefined;
  jobId: string | undefined;
  task: string | undefined;
  /** Partition indexes of the batch that had not reported; the first was running. */
  partitions: number[];
  heapLimitMb: number;
  oom: boolean;
  /** The uncaught error's message, when there was one. */
  error?: string;
  stderrTail?: string;
  /** What to try next. */
  hint: string;
}

/**
 * Named points where a test can observe or hold the pool (like dask's BlockedExecute). All
 * are optional; the default does nothing. Hooks run synchronously on the
 * agent's main thread and must not throw.
 */
export interface SlotHooks {
  /** A batch is about to be posted to a slot. */
  beforeDispatch?(slotId: string, items: readonly AssignItem[]): void;
  /** A slot's thread or process ended, for whatever reason. */
  onSlotExit?(evidence: SlotExitEvidence): void;
  /** A slot posted `ready` (after its start, and again after each batch), `startMs` after the pool made it. */
  onSlotReady?(slotId: string, mode: SlotMode, pid: number | undefined, startMs: number): void;
}

export const NO_HOOKS: SlotHooks = Object.freeze({});

/** The shared values the pool posts to slots: the bytes (thread slots share them), or a file of them (process slots copy it). */
export interface SharedSource {
  /** The value's bytes, a view over the whole of its SharedArrayBuffer; undefined when it is not here. */
  bytes(hash: string): Uint8Array<SharedArrayBuffer> | undefined;
  /** A file holding the value, for a process slot to read once; undefined when it is not here. */
  fileFor(hash: string): string | undefined;
}

export interface SlotPoolOptions {
  /** The most partitions running at once. */
  slots: number;
  mode: AgentMode;
  /** V8 old-generation limit per slot, MB; default DEFAULT_HEAP_LIMIT_MB. */
  heapLimitMb?: number;
  /** Trusted task directories (real paths) the slots may load user tasks from; default none. */
  tasksDirs?: readonly string[];
  /** The agent's bundle cache directory: the slots import shipped tasks (`sha256:<hash>`) from it; default none. */
  bundleDir?: string;
  /** Where the pool finds jobs' shared values (the agent's shared store); without it, a job with one fails with SHARED_FETCH_FAILED. */
  shared?: SharedSource;
  /** The coordinator's frame limit; a larger result fails with RESULT_TOO_LARGE. Default DEFAULT_MAX_FRAME_BYTES. */
  maxFrameBytes?: number;
  logger: Logger;
  events: SlotPoolEvents;
  hooks?: SlotHooks;
}
