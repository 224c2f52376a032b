/** A slot on a worker thread, its heap capped by `resourceLimits.maxOldGenerationSizeMb`. */
import { Worker } from 'node:worker_threads';
import { ErrorCode, toWireError, type WireError } from '@cohort/shared';
import { BaseRuntime } from './base-runtime.js';
import { youngGenerationMb } from './constants.js';
import { forwardOutput, slotMainPath, slotStart, type ExitInfo } from './runtime.js';
import type { FromSlotMessage, ToSlotMessage } from './slot-protocol.js';

export class ThreadRuntime extends BaseRuntime {
  readonly mode = 'thread' as const;
  readonly pid = process.pid;
  private worker: Worker | undefined;
  private id: number | undefined;
  private error: WireError | undefined;
  private oom = false;

  /** Kept from spawn: a Worker's own threadId reads -1 once it has exited. */
  get threadId(): number | undefined {
    return this.id;
  }

  protected get spawned(): boolean {
    return this.worker !== undefined;
  }

  protected spawn(): void {
    const { env, argv } = slotStart(this.options);
    const worker = new Worker(slotMainPath(), {
      env,
      argv,
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapLimitMb, maxYoungGenerationSizeMb: youngGenerationMb(this.options.heapLimitMb) },
      stdout: true,
      stderr: true,
    });
    this.worker = worker;
    this.id = worker.threadId;
    forwardOutput(worker.stdout);
    forwardOutput(worker.stderr);
    worker.on('message', (message: FromSlotMessage) => this.received(message));
    worker.on('error', (err) => {
      this.error = toWireError(err, ErrorCode.SLOT_CRASHED);
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') this.oom = true;
    });
    worker.on('exit', (exitCode) => {
      const info: ExitInfo = { exitCode, signal: null, oom: this.oom };
      if (this.error) info.error = this.error;
      this.ended(info, 'thread slot exited before it was ready', { exitCode, error: this.error });
    });
  }

  send(message: ToSlotMessage): void {
    // A SharedArrayBuffer is shared by postMessage, never copied.
    if (message.t !== 'run') return this.worker?.postMessage(message);
    // postMessage clones a view's whole ArrayBuffer, and the encoded inputs are a view into the
    // packr's shared buffer (512 KB once a results frame has grown it): copy them into a buffer of
    // their own and transfer that, so a batch moves its own few hundred bytes and nothing else.
    const inputs = ownBuffer(message.inputs);
    this.worker?.postMessage({ ...message, inputs }, [inputs.buffer]);
  }

  /** terminate() stops JavaScript even in a busy loop. */
  protected politeStop(): void {
    void this.worker?.terminate().catch(() => {});
  }

  /** A thread cannot be SIGKILLed: stop waiting, and the thread dies with the agent. */
  protected forceStop(): boolean {
    this.worker?.unref();
    return false;
  }
}

/** A copy of `bytes` in an ArrayBuffer of its own (always a copy: the original's buffer may be the packr's, never to be detached). */
export function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const own = new Uint8Array(bytes.byteLength);
  own.set(bytes);
  return own;
}
