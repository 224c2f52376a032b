/** A slot on a worker thread, its heap capped by `resourceLimits.maxOldGenerationSizeMb`. */
import { Worker } from 'node:worker_threads';
import { ErrorCode, toWireError, type WireError } from '@cohort/shared';
import { STOP_TIMEOUT_MS } from './constants.js';
import { forwardOutput, slotMainPath, slotStart, startGate, type ExitInfo, type RuntimeOptions, type SlotRuntime } from './runtime.js';
import type { FromSlotMessage, ToSlotMessage } from './slot-protocol.js';

export class ThreadRuntime implements SlotRuntime {
  readonly mode = 'thread' as const;
  readonly pid = process.pid;
  private worker: Worker | undefined;
  private id: number | undefined;
  private error: WireError | undefined;
  private oom = false;
  private exited = false;
  private readonly exit: Promise<void>;
  private markExited!: () => void;

  constructor(private readonly options: RuntimeOptions) {
    this.exit = new Promise((resolve) => (this.markExited = resolve));
  }

  /** Kept from spawn: a Worker's own threadId reads -1 once it has exited. */
  get threadId(): number | undefined {
    return this.id;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const gate = startGate(this.mode, resolve, reject, () => {
        void this.stop();
        return {};
      });
      const fail = gate.fail;
      let worker: Worker;
      try {
        const { env, argv } = slotStart(this.options);
        worker = new Worker(slotMainPath(), {
          env,
          argv,
          resourceLimits: { maxOldGenerationSizeMb: this.options.heapLimitMb },
          stdout: true,
          stderr: true,
        });
      } catch (err) {
        fail('thread slot could not be created', { error: toWireError(err) });
        this.exited = true;
        this.markExited();
        return;
      }
      this.worker = worker;
      this.id = worker.threadId;
      forwardOutput(worker.stdout);
      forwardOutput(worker.stderr);
      worker.on('message', (message: FromSlotMessage) => {
        if (!gate.settled && message.t === 'ready') return gate.ready();
        this.options.handlers.onMessage(message);
      });
      worker.on('error', (err) => {
        this.error = toWireError(err, ErrorCode.SLOT_CRASHED);
        if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') this.oom = true;
      });
      worker.on('exit', (exitCode) => {
        this.exited = true;
        fail('thread slot exited before it was ready', { exitCode, error: this.error });
        const info: ExitInfo = { exitCode, signal: null, oom: this.oom };
        if (this.error) info.error = this.error;
        this.markExited();
        this.options.handlers.onExit(info);
      });
    });
  }

  send(message: ToSlotMessage): void {
    // postMessage clones a view's whole ArrayBuffer, and the encoded inputs are a view into the
    // packr's shared buffer (512 KB once a results frame has grown it): copy them into a buffer of
    // their own and transfer that, so a batch moves its own few hundred bytes and nothing else.
    const inputs = ownBuffer(message.inputs);
    this.worker?.postMessage({ ...message, inputs }, [inputs.buffer]);
  }

  async stop(): Promise<void> {
    if (this.exited || !this.worker) return;
    // terminate() stops JavaScript even in a busy loop. A thread cannot be SIGKILLed:
    // past STOP_TIMEOUT_MS we stop waiting, and the thread dies with the agent.
    void this.worker.terminate().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)));
    await Promise.race([this.exit, timeout]);
    clearTimeout(timer);
    if (!this.exited) this.worker.unref();
  }
}

/** A copy of `bytes` in an ArrayBuffer of its own (always a copy: the original's buffer may be the packr's, never to be detached). */
export function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const own = new Uint8Array(bytes.byteLength);
  own.set(bytes);
  return own;
}
