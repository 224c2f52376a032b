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
import { BaseRuntime } from './base-runtime.js';
import { STDERR_TAIL_BYTES } from './constants.js';
import { forwardOutput, looksLikeOom, slotMainPath, slotStart } from './runtime.js';
import type { FromSlotMessage, ToSlotMessage } from './slot-protocol.js';

/** After the exit, wait at most this long for stderr to close, so the evidence has the last words. */
const STDIO_CLOSE_GRACE_MS = 100;

export class ProcessRuntime extends BaseRuntime {
  readonly mode = 'process' as const;
  readonly threadId = undefined;
  private child: ChildProcess | undefined;
  private error: WireError | undefined;
  private readonly tail = { text: '' };

  get pid(): number | undefined {
    return this.child?.pid;
  }

  protected get spawned(): boolean {
    return this.child !== undefined;
  }

  protected override startTimeoutDetails(): Record<string, unknown> {
    return { pid: this.pid };
  }

  protected spawn(): void {
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
      if (message.t === 'fatal') this.error = message.error;
      else this.received(message);
    });
    child.on('error', (err) => {
      // Spawn failure, or a failed kill/send; only the first matters for the evidence.
      this.error ??= toWireError(err, ErrorCode.SLOT_CRASHED);
      if (child.pid === undefined) this.failStart('process slot could not be spawned', { error: this.error });
    });
    child.once('exit', (exitCode, signal) => {
      this.sawExit();
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(grace);
        this.reportExit(exitCode, signal);
      };
      const grace = setTimeout(finish, STDIO_CLOSE_GRACE_MS);
      child.once('close', finish);
    });
  }

  private reportExit(exitCode: number | null, signal: NodeJS.Signals | null): void {
    const stderrTail = this.tail.text;
    const info = { exitCode, signal, oom: looksLikeOom(stderrTail), ...(this.error ? { error: this.error } : {}), ...(stderrTail ? { stderrTail } : {}) };
    this.ended(info, 'process slot exited before it was ready', { exitCode, signal, error: this.error, stderrTail });
  }

  send(message: ToSlotMessage): void {
    if (this.child?.connected) this.child.send(message);
  }

  protected politeStop(): void {
    this.child?.kill('SIGTERM');
  }

  /** SIGKILL cannot be refused; the second wait only bounds one on an exit event that never comes. */
  protected forceStop(): boolean {
    this.child?.kill('SIGKILL');
    return true;
  }
}
