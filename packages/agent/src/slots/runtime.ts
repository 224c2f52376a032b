/**
 * One interface for the two ways to run a slot: a worker thread or a forked
 * child process. An adapter spawns, carries messages both ways, reports the
 * one exit, and stops (polite first, forced after STOP_TIMEOUT_MS). It knows
 * nothing of batches or partitions.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { CohortError, ErrorCode, withoutSecrets, type SlotMode, type WireError } from '@cohort/shared';
import { START_TIMEOUT_MS } from './constants.js';
import type { FromSlotMessage, ToSlotMessage } from './slot-protocol.js';

/** How a slot's thread or process ended. */
export interface ExitInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The uncaught error that ended it, when the slot or the runtime saw one. */
  error?: WireError;
  /** The slot ran out of heap (worker resource limit, or V8's fatal OOM in a process). */
  oom: boolean;
  /** The last bytes the slot wrote to stderr (process slots). */
  stderrTail?: string;
}

export interface RuntimeHandlers {
  onMessage(message: FromSlotMessage): void;
  /** Called exactly once, whether the exit was asked for or not. */
  onExit(info: ExitInfo): void;
}

export interface RuntimeOptions {
  heapLimitMb: number;
  /** Trusted task directories (real paths); the slot loads user tasks from nowhere else. */
  tasksDirs: readonly string[];
  /** Where verified task bundles are (`<hash>.mjs`); without it, shipped tasks are UNKNOWN_TASK in the slot. */
  bundleDir?: string | undefined;
  handlers: RuntimeHandlers;
}

/**
 * What a slot starts with, in both modes: an environment without any Cohort
 * secret (every COHORT_…TOKEN… variable removed), its trusted task
 * directories (`process.argv[2]`, JSON) and its bundle directory
 * (`process.argv[3]`, empty for none); neither is a secret.
 */
export function slotStart(options: Pick<RuntimeOptions, 'tasksDirs' | 'bundleDir'>): { env: NodeJS.ProcessEnv; argv: string[] } {
  return { env: withoutSecrets(process.env), argv: [JSON.stringify(options.tasksDirs), options.bundleDir ?? ''] };
}

export interface SlotRuntime {
  readonly mode: SlotMode;
  /** The OS process id (the agent's own for a thread slot). */
  readonly pid: number | undefined;
  /** The worker's threadId, for a thread slot. */
  readonly threadId: number | undefined;
  /** Spawn and resolve on the slot's `ready`; reject with SLOT_START_FAILED on exit, error or START_TIMEOUT_MS. */
  start(): Promise<void>;
  send(message: ToSlotMessage): void;
  /** SIGTERM / terminate(), then SIGKILL after STOP_TIMEOUT_MS. Resolves once the slot is gone (or given up on). */
  stop(): Promise<void>;
}

/** The once-only outcome of a slot's start: ready, or SLOT_START_FAILED (early exit, error, START_TIMEOUT_MS). */
export interface StartGate {
  readonly settled: boolean;
  ready(): void;
  fail(message: string, details: Record<string, unknown>): void;
}

/**
 * Settle a start exactly once. After START_TIMEOUT_MS it fails with the
 * details `onTimeout` returns (the adapter stops the slot there).
 */
export function startGate(mode: SlotMode, resolve: () => void, reject: (err: Error) => void, onTimeout: () => Record<string, unknown>): StartGate {
  let settled = false;
  const gate: StartGate = {
    get settled() {
      return settled;
    },
    ready() {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve();
    },
    fail(message, details) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new CohortError(ErrorCode.SLOT_START_FAILED, message, { details: { mode, ...details } }));
    },
  };
  const timer = setTimeout(
    () => gate.fail(`${mode} slot did not become ready within ${START_TIMEOUT_MS} ms`, { startTimeoutMs: START_TIMEOUT_MS, ...onTimeout() }),
    START_TIMEOUT_MS,
  );
  return gate;
}

/**
 * The compiled slot entry. Worker threads and forks cannot load .ts, so both
 * `src/slots/*.ts` (under vitest) and `dist/slots/*.js` point at
 * `<package>/dist/slots/slot-main.js`.
 */
export function slotMainPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', 'dist', 'slots', 'slot-main.js');
}

/** Copy a slot's output to the agent's stderr (stdout belongs to the CLI), keeping the last `tailBytes` as evidence. */
export function forwardOutput(stream: NodeJS.ReadableStream | null | undefined, tail?: { text: string }, tailBytes = 0): void {
  if (!stream) return;
  stream.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (tail) tail.text = (tail.text + chunk.toString('utf8')).slice(-tailBytes);
  });
  stream.on('error', () => {});
}

/** V8's fatal out-of-memory message, as a process slot prints it before aborting. */
export function looksLikeOom(stderrTail: string | undefined): boolean {
  return stderrTail !== undefined && /heap out of memory|Reached heap limit/i.test(stderrTail);
}
