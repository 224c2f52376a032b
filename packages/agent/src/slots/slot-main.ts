/**
 * The code inside a slot: one message loop, whichever the transport (a worker
 * thread's `parentPort` or a forked process's IPC channel). It loads the task
 * by name, from the trusted directories the agent passed and nowhere else
 * (anything else is UNKNOWN_TASK), runs each partition of a batch in order
 * and posts the results in chunks: when the batch is done, or when
 * RESULT_FLUSH_MS have passed since the last flush, so long partitions
 * report one by one. A task's error fails
 * its partition; the slot lives on.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { serialize } from 'node:v8';
import { ErrorCode, loadTask, toWireError, type SlotMode, type TaskModule, type WireError } from '@cohort/shared';
import { RESULT_FLUSH_MS } from './constants.js';
import type { BatchResultsMessage, FromSlotMessage, RunBatchMessage, ToSlotMessage } from './slot-protocol.js';

interface Transport {
  mode: SlotMode;
  post(message: FromSlotMessage): void;
  listen(handler: (message: ToSlotMessage) => void): void;
}

function threadTransport(port: NonNullable<typeof parentPort>): Transport {
  return {
    mode: 'thread',
    post: (message) => port.postMessage(message),
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

/** Post one chunk; a value that cannot cross the boundary fails its own partition, not the slot. */
function postResults(message: BatchResultsMessage): void {
  try {
    transport.post(message);
    return;
  } catch {
    // Fall through: find the values that do not serialise.
  }
  const failed = message.failed ?? [];
  for (let i = 0; i < message.values.length; i++) {
    try {
      serialize(message.values[i]);
    } catch (err) {
      message.values[i] = undefined;
      failed.push([i, toWireError(new Error(`result of run() cannot be sent from the slot: ${(err as Error).message}`), ErrorCode.TASK_ERROR)]);
    }
  }
  message.failed = failed;
  transport.post(message);
}

async function runBatch(batch: RunBatchMessage): Promise<void> {
  const n = batch.ps.length;
  let task: TaskModule;
  try {
    task = await loadTask(batch.task, tasksDirs);
  } catch (err) {
    const error = toWireError(err, ErrorCode.UNKNOWN_TASK);
    const failed: Array<[number, WireError]> = [];
    for (let i = 0; i < n; i++) failed.push([i, error]);
    postResults({ t: 'results', done: true, values: new Array(n).fill(undefined), ms: new Array(n).fill(0), failed });
    return;
  }
  let values: unknown[] = [];
  let ms: number[] = [];
  let failed: Array<[number, WireError]> | undefined;
  let lastFlush = performance.now();
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    try {
      let value = task.run(batch.inputs[i], { jobId: batch.jobId, partition: batch.ps[i] as number, attempt: batch.as[i] as number, mode: transport.mode });
      if (isThenable(value)) value = await value;
      values.push(value);
    } catch (err) {
      values.push(undefined);
      (failed ??= []).push([values.length - 1, taskError(err)]);
    }
    const now = performance.now();
    ms.push(now - started);
    if (i < n - 1 && now - lastFlush >= RESULT_FLUSH_MS) {
      postResults(failed ? { t: 'results', done: false, values, ms, failed } : { t: 'results', done: false, values, ms });
      values = [];
      ms = [];
      failed = undefined;
      lastFlush = now;
    }
  }
  postResults(failed ? { t: 'results', done: true, values, ms, failed } : { t: 'results', done: true, values, ms });
}

// The pool sends a batch only to a ready slot, so batches never overlap; the chain keeps that true regardless.
let work: Promise<void> = Promise.resolve();
transport.listen((message) => {
  switch (message.t) {
    case 'run':
      work = work.then(() => runBatch(message));
      break;
    default:
      process.stderr.write(`slot: unknown message ${JSON.stringify((message as { t?: unknown }).t)}\n`);
  }
});
transport.post({ t: 'ready', pid: process.pid, threadId });
