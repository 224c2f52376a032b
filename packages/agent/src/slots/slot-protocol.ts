/**
 * Messages between the pool (agent main thread) and the code inside a slot.
 * The same shapes travel over `worker.postMessage` and over the fork IPC
 * channel. A batch travels as parallel arrays and its results come back the
 * same way, so a batch of 256 partitions costs one message and a handful of
 * arrays each way, not 256 objects.
 */
import type { WireError } from '@cohort/shared';

/** Run these partitions of one job, in order. */
export interface RunBatchMessage {
  t: 'run';
  jobId: string;
  task: string;
  ps: number[];
  as: number[];
  inputs: unknown[];
}

export type ToSlotMessage = RunBatchMessage;

/** The slot's message loop is up. */
export interface ReadyMessage {
  t: 'ready';
  pid: number;
  threadId: number;
}

/**
 * The next results of the current batch, in order. `values[i]` is the result
 * of the i-th partition of this chunk; a failed one is listed in `failed` by
 * its index in the chunk (and its value is undefined). `done` ends the batch.
 */
export interface BatchResultsMessage {
  t: 'results';
  done: boolean;
  values: unknown[];
  ms: number[];
  failed?: Array<[index: number, error: WireError]>;
}

/** A process slot is about to die of an uncaught error; sent so the crash evidence can name it. */
export interface FatalMessage {
  t: 'fatal';
  error: WireError;
}

export type FromSlotMessage = ReadyMessage | BatchResultsMessage | FatalMessage;
