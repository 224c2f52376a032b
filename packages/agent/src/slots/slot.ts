/**
 * One slot: a runtime (thread or process), its state machine and the batch it
 * is running. The machine decides; this class carries out its commands. An
 * operation lock keeps start and stop from overlapping.
 */
import { CohortError, ErrorCode, assertNever, encode, type AssignItem, type ModeReason, type SlotMode } from '@cohort/shared';
import { ProcessRuntime } from './process-runtime.js';
import type { ExitInfo, RuntimeOptions, SlotRuntime } from './runtime.js';
import { SlotMachine, type SlotCommand, type SlotState } from './slot-machine.js';
import type { BatchResultsMessage, FromSlotMessage, RunBatchMessage } from './slot-protocol.js';
import { ThreadRuntime } from './thread-runtime.js';
import type { JobHeader } from './types.js';

/** Partitions of one job posted to a slot in one message: the items as the coordinator sent them. */
export interface Batch {
  job: JobHeader;
  why: ModeReason;
  items: AssignItem[];
  /** About how many bytes one item's input took on the wire (kept for a requeue). */
  itemBytes: number;
  /** How many items have reported; results come in order, so items[reported] is running. */
  reported: number;
  /** Dispatched alone (long, unknown or timed); onStarted was called. */
  single: boolean;
  /** The most bytes one encoded result may take. */
  maxBytes: number;
  /** Items cancelled while in the slot, by index; their results are dropped. */
  cancelled?: boolean[];
  timer?: NodeJS.Timeout;
}

export type StopReason = 'timeout' | 'cancel' | 'shutdown';

export interface SlotListener {
  ready(slot: Slot): void;
  results(slot: Slot, batch: Batch, message: BatchResultsMessage): void;
  /** The runtime is gone. `crashed` is true when nobody asked it to stop. */
  exited(slot: Slot, info: ExitInfo, stateAtExit: SlotState, crashed: boolean): void;
  startFailed(slot: Slot, error: CohortError): void;
}

export class Slot {
  readonly machine: SlotMachine;
  batch: Batch | undefined;
  /** Set when the pool asked this slot to stop, before the stop runs. */
  stopReason: StopReason | undefined;
  /** The task of the latest batch; blamed for a crash while idle. */
  lastTask: string | undefined;
  lastJobId: string | undefined;
  /** The shared values posted to this slot (a restarted slot is a new Slot, and gets them again). */
  readonly shared = new Set<string>();
  /** When the pool made it (performance.now()): its start time is measured from here. */
  readonly createdAt = performance.now();
  private readonly runtime: SlotRuntime;
  private lock: Promise<void> = Promise.resolve();
  private startError: CohortError | undefined;
  private exitInfo: ExitInfo | undefined;
  private stateAtExit: SlotState = 'idle';
  private stopped: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly mode: SlotMode,
    spawn: Omit<RuntimeOptions, 'handlers'>,
    private readonly listener: SlotListener,
  ) {
    this.machine = new SlotMachine(id);
    const handlers = { onMessage: (m: FromSlotMessage) => this.onMessage(m), onExit: (info: ExitInfo) => this.onExit(info) };
    this.runtime = mode === 'thread' ? new ThreadRuntime({ ...spawn, handlers }) : new ProcessRuntime({ ...spawn, handlers });
  }

  get state(): SlotState {
    return this.machine.state;
  }
  get pid(): number | undefined {
    return this.runtime.pid;
  }
  get threadId(): number | undefined {
    return this.runtime.threadId;
  }
  /** Ready, and nobody asked it to stop. */
  get free(): boolean {
    return this.machine.state === 'ready' && this.stopReason === undefined;
  }

  start(): Promise<void> {
    this.lock = this.lock.then(() => this.doStart());
    return this.lock;
  }

  dispatch(batch: Batch): void {
    this.batch = batch;
    this.lastTask = batch.job.task;
    this.lastJobId = batch.job.jobId;
    this.execute(this.machine.apply('dispatch'));
  }

  /** Post a shared value to the slot, once: the SharedArrayBuffer to a thread, a file to read to a process. */
  postShared(hash: string, value: { buffer: SharedArrayBuffer } | { file: string }, bytes: number): void {
    if (this.shared.has(hash)) return;
    this.shared.add(hash);
    this.runtime.send({ t: 'shared', hash, bytes, ...value });
  }

  /** The slot forgets a shared value (its jobs ended). */
  dropShared(hash: string): void {
    if (!this.shared.delete(hash)) return;
    try {
      this.runtime.send({ t: 'shared-drop', hash });
    } catch {
      // A slot that cannot hear it is ending, and its copy with it.
    }
  }

  /** Stop after any start in progress; idempotent. Resolves once the runtime is gone (bounded by STOP_TIMEOUT_MS). */
  stop(reason: StopReason): Promise<void> {
    this.stopReason ??= reason;
    this.lock = this.lock.then(() => {
      if (this.machine.can('stop')) this.execute(this.machine.apply('stop'));
      return this.stopped;
    });
    return this.lock;
  }

  private async doStart(): Promise<void> {
    if (this.stopReason !== undefined) return; // stopped before it started
    this.execute(this.machine.apply('start'));
    try {
      await this.runtime.start();
    } catch (err) {
      this.startError = err as CohortError;
      // The runtime may have reported the exit first (then we are start_failed already).
      if (this.machine.state === 'starting') this.execute(this.machine.apply('start_error'));
      return;
    }
    if (this.machine.state === 'starting') this.execute(this.machine.apply('started'));
  }

  private onMessage(message: FromSlotMessage): void {
    if (message.t !== 'results') return;
    const batch = this.batch;
    if (!batch) return;
    this.listener.results(this, batch, message);
    if (message.done) {
      clearTimeout(batch.timer);
      this.batch = undefined;
      if (this.machine.can('done')) this.execute(this.machine.apply('done'));
    }
  }

  private onExit(info: ExitInfo): void {
    this.exitInfo = info;
    this.stateAtExit = this.machine.state;
    this.execute(this.machine.apply('exit'));
  }

  private execute(commands: readonly SlotCommand[]): void {
    for (const command of commands) {
      switch (command) {
        case 'spawn':
          break; // doStart awaits runtime.start() right after this
        case 'announce-ready':
          this.listener.ready(this);
          break;
        case 'send-batch':
          this.sendBatch();
          break;
        case 'terminate':
          this.stopped = this.runtime.stop();
          break;
        case 'report-start-failure':
          this.listener.startFailed(this, this.startError ?? this.startErrorFromExit());
          break;
        case 'report-crash':
          this.listener.exited(this, this.exitInfo as ExitInfo, this.stateAtExit, true);
          break;
        case 'report-stopped':
          // From idle there was never a runtime to exit.
          this.listener.exited(this, this.exitInfo ?? { exitCode: null, signal: null, oom: false }, this.stateAtExit, false);
          break;
        default:
          assertNever(command);
      }
    }
  }

  private sendBatch(): void {
    const batch = this.batch as Batch;
    const items = batch.items;
    const n = items.length;
    const ps = new Array<number>(n);
    const as = new Array<number>(n);
    const inputs = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const item = items[i] as AssignItem;
      ps[i] = item.p;
      as[i] = item.a;
      inputs[i] = item.input;
    }
    try {
      const { jobId, task, shared } = batch.job;
      const message: RunBatchMessage = { t: 'run', jobId, task, ps, as, inputs: encode(inputs), maxBytes: batch.maxBytes };
      if (shared) message.shared = { hash: shared.hash, kind: shared.kind };
      this.runtime.send(message);
    } catch (err) {
      // An input that cannot be encoded (or a send that failed): fail the batch as the slot would have.
      const error = { code: ErrorCode.BAD_INPUT, name: 'CohortError', message: `partition input cannot be sent to a slot: ${(err as Error).message}` } as const;
      const failed = ps.map((_, i) => [i, error] as [number, typeof error]);
      queueMicrotask(() =>
        this.onMessage({ t: 'results', done: true, values: new Uint8Array(0), ends: new Array<number>(n).fill(0), ms: new Array<number>(n).fill(0), failed }),
      );
    }
  }

  private startErrorFromExit(): CohortError {
    const info = this.exitInfo;
    return new CohortError(ErrorCode.SLOT_START_FAILED, `${this.mode} slot ${this.id} exited while starting`, {
      details: { mode: this.mode, exitCode: info?.exitCode ?? null, signal: info?.signal ?? null, error: info?.error, stderrTail: info?.stderrTail },
    });
  }
}
