/**
 * What both slot runtimes share: the start gate (ready, or SLOT_START_FAILED
 * on early exit, error or START_TIMEOUT_MS), the one exit promise, and the
 * bounded stop (polite, then forced after STOP_TIMEOUT_MS). An adapter says
 * only how to spawn, how to ask a slot to stop and how to force it.
 *
 * Model: vitest packages/vitest/src/node/pools/poolRunner.ts with its
 * runtimes (threadsWorker.ts / forksWorker.ts): one lifecycle, two small
 * transports.
 */
import { toWireError, type SlotMode } from '@cohort/shared';
import { deferred, settlesWithin } from '@cohort/shared/internal';
import { STOP_TIMEOUT_MS } from './constants.js';
import { startGate, type ExitInfo, type RuntimeOptions, type SlotRuntime, type StartGate } from './runtime.js';
import type { FromSlotMessage, ToSlotMessage } from './slot-protocol.js';

export abstract class BaseRuntime implements SlotRuntime {
  abstract readonly mode: SlotMode;
  abstract readonly pid: number | undefined;
  abstract readonly threadId: number | undefined;
  private gone = false;
  private readonly exit = deferred<void>();
  private gate: StartGate | undefined;

  constructor(protected readonly options: RuntimeOptions) {}

  start(): Promise<void> {
    const started = deferred<void>();
    const gate = startGate(this.mode, started.resolve, started.reject, () => {
      void this.stop();
      return this.startTimeoutDetails();
    });
    this.gate = gate;
    try {
      this.spawn();
    } catch (err) {
      gate.fail(`${this.mode} slot could not be created`, { error: toWireError(err) });
      this.sawExit();
      this.exit.resolve();
    }
    return started.promise;
  }

  abstract send(message: ToSlotMessage): void;

  /** Polite first; forced after STOP_TIMEOUT_MS. Resolves once the slot is gone, or given up on. */
  async stop(): Promise<void> {
    if (this.gone || !this.spawned) return;
    this.politeStop();
    if (await settlesWithin(this.exit.promise, STOP_TIMEOUT_MS)) return;
    if (this.forceStop()) await settlesWithin(this.exit.promise, STOP_TIMEOUT_MS);
  }

  /** Create the thread or process and wire its events to `received`, `failStart`, `sawExit` and `ended`. */
  protected abstract spawn(): void;
  /** True once there is a thread or process to stop. */
  protected abstract get spawned(): boolean;
  /** Ask the slot to end (worker.terminate(), SIGTERM). */
  protected abstract politeStop(): void;
  /** STOP_TIMEOUT_MS later and still there: force it. Return true when its exit is still worth waiting for. */
  protected abstract forceStop(): boolean;
  /** Details added to a start that timed out. */
  protected startTimeoutDetails(): Record<string, unknown> {
    return {};
  }

  /** A message from the slot: its first `ready` opens the start gate; the rest go to the slot. */
  protected received(message: FromSlotMessage): void {
    if (this.gate && !this.gate.settled && message.t === 'ready') return this.gate.ready();
    this.options.handlers.onMessage(message);
  }

  protected failStart(message: string, details: Record<string, unknown>): void {
    this.gate?.fail(message, details);
  }

  /** The thread or process is gone (its report may follow, once its output is read). */
  protected sawExit(): void {
    this.gone = true;
  }

  /** The one exit: a start still pending fails with `startFailure`, then the slot hears of it. */
  protected ended(info: ExitInfo, startFailure: string, details: Record<string, unknown>): void {
    this.gate?.fail(startFailure, details);
    this.sawExit();
    this.exit.resolve();
    this.options.handlers.onExit(info);
  }
}
