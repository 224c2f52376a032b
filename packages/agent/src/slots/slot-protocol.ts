/**
 * Messages between the pool (agent main thread) and the code inside a slot.
 * The same shapes travel over `worker.postMessage` and over the fork IPC
 * channel. A batch travels as parallel arrays and its results come back the
 * same way, so a batch of 256 partitions costs one message and a handful of
 * arrays each way, not 256 objects.
 *
 * Inputs and results cross as bytes of the value model (shared value.ts), not
 * by structured clone: a thread slot's clone would turn a Buffer into a plain
 * Uint8Array. The slot encodes each result itself, so a value that cannot
 * cross the wire fails its own partition there, and the agent's main thread
 * only copies bytes into frames.
 */
import type { SharedKind, WireError } from '@cohort/shared';

/** Run these partitions of one job, in order. */
export interface RunBatchMessage {
  t: 'run';
  jobId: string;
  task: string;
  ps: number[];
  as: number[];
  /** The inputs, in order, as one encoded array. */
  inputs: Uint8Array;
  /** The most bytes one encoded result may take (the coordinator's frame limit, less the frame around it). */
  maxBytes: number;
  /** The job's shared value, posted to the slot before (`SharedMessage`): `ctx.shared` is its view of this kind. */
  shared?: { hash: string; kind: SharedKind };
}

/**
 * A shared value for the slot to keep until `shared-drop`, posted once
 * before its first batch that needs it. A thread slot gets the
 * SharedArrayBuffer itself (postMessage shares it: no copy); a process slot
 * gets the path of a file holding it and reads its own copy once.
 */
export interface SharedMessage {
  t: 'shared';
  hash: string;
  bytes: number;
  buffer?: SharedArrayBuffer;
  file?: string;
}

/** Forget a shared value (its jobs ended). */
export interface SharedDropMessage {
  t: 'shared-drop';
  hash: string;
}

export type ToSlotMessage = RunBatchMessage | SharedMessage | SharedDropMessage;

/** The slot's message loop is up. */
export interface ReadyMessage {
  t: 'ready';
  pid: number;
  threadId: number;
}

/**
 * The next results of the current batch, in order. The i-th partition's
 * encoded result is `values.subarray(ends[i - 1] ?? 0, ends[i])`; a failed one
 * is listed in `failed` by its index in the chunk (and takes no bytes). `done`
 * ends the batch.
 */
export interface BatchResultsMessage {
  t: 'results';
  done: boolean;
  /** The chunk's encoded results, back to back. */
  values: Uint8Array;
  /** End offset of each result in `values`. */
  ends: number[];
  ms: number[];
  failed?: Array<[index: number, error: WireError]>;
}

/** A process slot is about to die of an uncaught error; sent so the crash evidence can name it. */
export interface FatalMessage {
  t: 'fatal';
  error: WireError;
}

export type FromSlotMessage = ReadyMessage | BatchResultsMessage | FatalMessage;
