/**
 * Named limits of the slot pool. Durations are milliseconds; everything a
 * test or a reader may want to look up lives here, not inline.
 */

/** A slot must post `ready` within this long after spawn, or it is start_failed. */
export const START_TIMEOUT_MS = 10_000;
/** After SIGTERM / `worker.terminate()`, wait this long before SIGKILL (or giving up on a thread). */
export const STOP_TIMEOUT_MS = 3_000;
/** Per-slot V8 old-generation limit when the options give none. */
export const DEFAULT_HEAP_LIMIT_MB = 512;

/**
 * A thread slot's young generation, MB: a quarter of its heap limit, from 8
 * to 64. Node 24's V8 sizes the young generation from the whole process, and
 * with a small old generation (64 or 128 MB) a thread slot that runs out of
 * heap then dies in a scavenge with a fatal error that takes the agent down,
 * instead of ending the slot with ERR_WORKER_OUT_OF_MEMORY. Capping it keeps
 * the out-of-memory in the slot, on Node 20 and 24 alike.
 */
export function youngGenerationMb(heapLimitMb: number): number {
  return Math.max(8, Math.min(64, Math.floor(heapLimitMb / 4)));
}

/** Inside a slot: flush results when this long has passed since the last flush. */
export const RESULT_FLUSH_MS = 20;
/** The most partitions in one pool → slot message. */
export const MAX_BATCH = 256;
/** The most input, in bytes, one batch to a slot carries (estimated from the assign frame). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** A task whose EWMA run time is below this is batched; above it, dispatched one at a time. */
export const SMALL_TASK_MS = 2;
/** Weight of the newest sample in the per-task EWMA of run time. */
export const EWMA_ALPHA = 0.2;

/** Consecutive failed starts of one slot kind before its queued work fails with SLOT_START_FAILED. */
export const MAX_START_ATTEMPTS = 3;
/** Delay before retrying a failed start; doubled per consecutive failure. */
export const START_RETRY_BASE_MS = 100;
/** The longest delay before retrying a failed start (not reached within MAX_START_ATTEMPTS). */
export const START_RETRY_MAX_MS = 5_000;
/** Bytes of a process slot's stderr kept as crash evidence. */
export const STDERR_TAIL_BYTES = 4096;
