/**
 * A slot in a child process (`child_process.fork`), its heap capped by
 * `--max-old-space-size`. IPC uses `serialization: 'advanced'` (the V8
 * serializer): it keeps undefined, Map, Set, BigInt, typed arrays and Buffers
 * as they are, exactly as a worker thread's structured clone does, so a task
 * returns the same value in both modes. Its speed is within noise of json
 * IPC (figures in docs/figures.md); fidelity decides it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ErrorCode, toWireError, type WireError } from '@cohort/shared';
import { STDERR_TAIL_BYTES, STOP_TIMEOUT_MS } from './constants.js';
import { forwardOutput, looksLikeOom, slotMainPath, slotStart, startGate, type RuntimeOptions, type SlotRuntime } from './runtime.js';
import type { FromSlotMessage, ToSlotMessage } from './slot-protocol.js';

/** After the exit, wait at most this long for stderr to close, so the evidence has the last words. */
const STDIO_CLOSE_GRACE_MS = 100;

export class ProcessRuntime implements SlotRuntime {
  readonly mode = 'process' as const;
  readonly threadId = undefined;
  private child: ChildProcess | undefined;
  private error: WireError | undefined;
  private readonly tail = { text: '' };
  private exited = false;
  private readonly exit: Promise<void>;
  private markExited!: () => void;

  constructor(private readonly options: RuntimeOptions) {
    this.exit = new Promise((resolve) => (this.markExited = resolve));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const gate = startGate(this.mode, resolve, reject, () => {
        void this.stop();
        return { pid: this.pid };
      });
      const fail = gate.fail;
      const { env, argv } = slotStart(this.options);
      const child = fork(slotMainPath(), argv, {
        env,
        execArgv: [`--max-old-space-size=${this.options.heapLimitMb}`],
        serialization: 'advanced',
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      this.child = child;
      forwardOutput(child.stdout);
      forwardOutput(child.stderr, this.tail, STDERR_TAIL_BYTES);
      child.on('message', (message: FromSlotMessage) => {
        if (!gate.settled && message.t === 'ready') return gate.ready();
        if (message.t === 'fatal') {
          this.error = message.error;
          return;
        }
        this.options.handlers.onMessage(message);
      });
      child.on('error', (err) => {
        // Spawn failure, or a failed kill/send; only the first matters for the evidence.
        this.error ??= toWireError(err, ErrorCode.SLOT_CRASHED);
        if (child.pid === undefined) fail('process slot could not be spawned', { error: this.error });
      });
      child.once('exit', (exitCode, signal) => {
        this.exited = true;
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          clearTimeout(grace);
          fail('process slot exited before it was ready', { exitCode, signal, error: this.error, stderrTail: this.tail.text });
          this.markExited();
          const stderrTail = this.tail.text;
          this.options.handlers.onExit({
            exitCode,
            signal,
            oom: looksLikeOom(stderrTail),
            ...(this.error ? { error: this.error } : {}),
            ...(stderrTail ? { stderrTail } : {}),
          });
        };
        const grace = setTimeout(finish, STDIO_CLOSE_GRACE_MS);
        child.once('close', finish);
      });
    });
  }

  send(message: ToSlotMessage): void {
    if (this.child?.connected) this.child.send(message);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (this.exited || !child) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    // SIGKILL cannot be refused; the second timeout only bounds a wait on an exit event that never comes.
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([this.exit, new Promise<void>((resolve) => (giveUp = setTimeout(resolve, 2 * STOP_TIMEOUT_MS)))]);
    clearTimeout(kill);
    clearTimeout(giveUp);
  }
}
