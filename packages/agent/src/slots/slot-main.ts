/**
 * The code inside a slot: one message loop, whichever the transport (a worker
 * thread's `parentPort` or a forked process's IPC channel). It loads the task
 * by name, from the trusted directories the agent passed and nowhere else
 * (anything else is UNKNOWN_TASK), or a shipped bundle from the agent's
 * bundle cache, runs each partition of a batch in order
 * and posts the results in chunks: when the batch is done, or when
 * RESULT_FLUSH_MS have passed since the last flush, so long partitions
 * report one by one. A task's error fails its partition; the slot lives on.
 * So does a result the value model refuses (RESULT_NOT_SERIALIZABLE,
 * RESULT_TOO_LARGE): each value is encoded here, and only its bytes leave
 * the slot.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { ErrorCode, decodeValue, encodeValueInto, loadTask, toWireError, type SlotMode, type TaskModule, type WireError } from '@cohort/shared';
import { builtinTasks } from '@cohort/tasks/builtins';
import { RESULT_FLUSH_MS } from './constants.js';
import { SlotShared } from './slot-shared.js';
import type { BatchResultsMessage, FromSlotMessage, RunBatchMessage, ToSlotMessage } from './slot-protocol.js';

interface Transport {
  mode: SlotMode;
  /** `transfer`: buffers the message owns alone, moved to a thread's parent instead of cloned (a process ignores it). */
  post(message: FromSlotMessage, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: ToSlotMessage) => void): void;
}

function threadTransport(port: NonNullable<typeof parentPort>): Transport {
  return {
    mode: 'thread',
    post: (message, transfer) => port.postMessage(message, transfer),
    listen: (handler) => port.on('message', handler),
  };
}

function processTransport(): Transport {
  const send = process.send?.bind(process);
  if (!send) throw new Error('slot-main must run in a worker thread or a forked process');
  // The agent is gone: nobody will read our results.
  process.on('disconnect', () => process.exit(0));
  // Name the fatal error to the agent before dying, so the crash evidence carries it.
  process.on('uncaughtException', (err) => {
    process.stderr.write(`slot uncaught exception: ${(err as Error)?.stack ?? String(err)}\n`);
    const die = () => process.exit(1);
    setTimeout(die, 200).unref();
    try {
      send({ t: 'fatal', error: toWireError(err, ErrorCode.SLOT_CRASHED) } satisfies FromSlotMessage, undefined, {}, die);
    } catch {
      die();
    }
  });
  return {
    mode: 'process',
    post: (message) => void send(message),
    listen: (handler) => process.on('message', handler as (message: unknown) => void),
  };
}

const transport = parentPort ? threadTransport(parentPort) : processTransport();

/** The trusted task directories the agent passed (argv[2], JSON); anything malformed trusts none. */
function trustedDirs(arg: string | undefined): string[] {
  try {
    const dirs: unknown = JSON.parse(arg ?? '[]');
    return Array.isArray(dirs) && dirs.every((d) => typeof d === 'string' && d.startsWith('/')) ? (dirs as string[]) : [];
  } catch {
    return [];
  }
}
const tasksDirs = trustedDirs(process.argv[2]);
/** The agent's bundle cache (argv[3], an absolute path); shipped tasks load from nowhere else. */
const bundleDir = process.argv[3]?.startsWith('/') ? process.argv[3] : undefined;

function taskError(err: unknown): WireError {
  const wire = toWireError(err, ErrorCode.TASK_ERROR);
  if ((err as { code?: unknown })?.code === 'ERR_WORKER_UNSUPPORTED_OPERATION') {
    wire.details = { ...wire.details, hint: 'this call (e.g. process.abort()) is not available in a worker thread; give the task profile.isolation "process"' };
  }
  return wire;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** A chunk's buffer starts this large and, once grown past RELEASE_CHUNK_BYTES, is dropped after its post. */
const INITIAL_CHUNK_BYTES = 16 * 1024;
const RELEASE_CHUNK_BYTES = 1024 * 1024;
/** Values up to this long are copied byte by byte: cheaper than a subarray and a set. */
const SMALL_VALUE_BYTES = 64;

/**
 * One chunk of a batch's results: encoded values back to back, their run
 * times and failures. Each value is encoded straight into the chunk's buffer
 * (no Buffer per value); a post sends an exact-size copy, which a thread slot
 * transfers rather than clones.
 */
class Chunk {
  private buf = new Uint8Array(INITIAL_CHUNK_BYTES);
  private ends: number[] = [];
  private ms: number[] = [];
  private failed: Array<[number, WireError]> | undefined;
  private bytes = 0;
  /** The sink encodeValueInto writes to (one closure for the slot's life). */
  readonly append = (source: Uint8Array, start: number, end: number): void => {
    const length = end - start;
    const at = this.bytes;
    if (at + length > this.buf.length) this.grow(at + length);
    const buf = this.buf;
    if (length > SMALL_VALUE_BYTES) buf.set(source.subarray(start, end), at);
    else for (let i = start, j = at; i < end; i++, j++) buf[j] = source[i] as number;
    this.bytes = at + length;
  };

  get length(): number {
    return this.ends.length;
  }

  private grow(need: number): void {
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.bytes));
    this.buf = next;
  }

  /** Encode one result into the chunk: ok, or failed with the value model's refusal. */
  value(value: unknown, maxBytes: number, ms: number): void {
    try {
      encodeValueInto(value, { root: 'result', maxBytes }, this.append);
    } catch (err) {
      return this.fail(valueError(err), ms);
    }
    this.ends.push(this.bytes);
    this.ms.push(ms);
  }

  fail(error: WireError, ms: number): void {
    (this.failed ??= []).push([this.ends.length, error]);
    this.ends.push(this.bytes);
    this.ms.push(ms);
  }

  /** Post this chunk (its bytes copied into one exact-size buffer) and empty it. */
  post(done: boolean): void {
    const values = this.buf.slice(0, this.bytes);
    const message: BatchResultsMessage = { t: 'results', done, values, ends: this.ends, ms: this.ms };
    if (this.failed) message.failed = this.failed;
    // `values` is this chunk's alone: a thread slot moves it to the agent instead of cloning it.
    transport.post(message, [values.buffer]);
    this.reset();
  }

  /** Empty, keeping the buffer unless it grew large. */
  reset(): void {
    if (this.buf.length > RELEASE_CHUNK_BYTES) this.buf = new Uint8Array(INITIAL_CHUNK_BYTES);
    this.ends = [];
    this.ms = [];
    this.failed = undefined;
    this.bytes = 0;
  }
}

/** A refusal of the value model, as a result error (no stack: the value, not the code, is at fault). */
function valueError(err: unknown): WireError {
  const wire = toWireError(err, ErrorCode.RESULT_NOT_SERIALIZABLE);
  delete wire.stack;
  return wire;
}

function decodeInputs(batch: RunBatchMessage): unknown[] {
  const inputs = decodeValue(batch.inputs);
  if (!Array.isArray(inputs) || inputs.length !== batch.ps.length) throw new Error('inputs do not match the batch');
  return inputs;
}

/** The shared values the pool posted to this slot. */
const sharedValues = new SlotShared();

/** The slot's one chunk: batches run one at a time, and each starts it empty. */
const chunk = new Chunk();

async function runBatch(batch: RunBatchMessage): Promise<void> {
  const n = batch.ps.length;
  chunk.reset();
  let task: TaskModule;
  let inputs: unknown[];
  try {
    task = await loadTask(batch.task, { builtins: builtinTasks, tasksDirs, bundleDir });
  } catch (err) {
    const error = toWireError(err, ErrorCode.UNKNOWN_TASK);
    for (let i = 0; i < n; i++) chunk.fail(error, 0);
    return chunk.post(true);
  }
  let shared: unknown;
  try {
    inputs = decodeInputs(batch);
    if (batch.shared) shared = sharedValues.view(batch.shared.hash, batch.shared.kind);
  } catch (err) {
    const error = toWireError(err, ErrorCode.BAD_INPUT);
    for (let i = 0; i < n; i++) chunk.fail(error, 0);
    return chunk.post(true);
  }
  let lastFlush = performance.now();
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    let value: unknown;
    let failure: WireError | undefined;
    try {
      value = task.run(inputs[i], { jobId: batch.jobId, partition: batch.ps[i] as number, attempt: batch.as[i] as number, mode: transport.mode, shared });
      if (isThenable(value)) value = await value;
    } catch (err) {
      failure = taskError(err);
    }
    const ms = performance.now() - started;
    if (failure) chunk.fail(failure, ms);
    // The value leaves the slot only as bytes of the value model: a value that cannot cross fails here, alone.
    else chunk.value(value, batch.maxBytes, ms);
    const now = performance.now();
    if (i < n - 1 && now - lastFlush >= RESULT_FLUSH_MS) {
      chunk.post(false);
      lastFlush = now;
    }
  }
  chunk.post(true);
}

// The pool sends a batch only to a ready slot, so batches never overlap; the chain keeps that true regardless.
let work: Promise<void> = Promise.resolve();
transport.listen((message) => {
  switch (message.t) {
    case 'run':
      work = work.then(() => runBatch(message));
      break;
    // In order with the batches: a value is kept before the batch that needs it, dropped after the last.
    case 'shared':
      work = work.then(() => sharedValues.keep(message));
      break;
    case 'shared-drop':
      work = work.then(() => sharedValues.drop(message.hash));
      break;
    default:
      process.stderr.write(`slot: unknown message ${JSON.stringify((message as { t?: unknown }).t)}\n`);
  }
});
transport.post({ t: 'ready', pid: process.pid, threadId });
