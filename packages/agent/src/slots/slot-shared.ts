/**
 * Inside a slot: the shared values the pool posted (slot-protocol.ts
 * `SharedMessage`), by hash, and their views by kind. A thread slot keeps
 * the SharedArrayBuffer it was given (the same memory as every other thread
 * slot of the agent); a process slot reads the value's file once into its
 * own buffer. `view()` is what a batch's `ctx.shared` is: `sharedView` of the
 * buffer, made once per hash and kind (a JSON value is parsed once per slot,
 * and deeply frozen).
 *
 * A bytes or typed-array view cannot be frozen: in a thread slot it is the
 * agent's one SharedArrayBuffer, so a task that writes into `ctx.shared`
 * changes what every slot, and every later job naming the same value on this
 * agent, reads (the hash is checked once, when fetched). Read-only by
 * contract (RunContext.shared).
 */
import { readFileSync } from 'node:fs';
import { CohortError, ErrorCode, sharedView, type SharedKind } from '@cohort/shared';
import type { SharedMessage } from './slot-protocol.js';

export class SlotShared {
  private readonly buffers = new Map<string, ArrayBufferLike | CohortError>();
  private readonly views = new Map<string, unknown>();

  /** Keep a posted value; a file that cannot be read (or is not the size named) fails the batches that need it. */
  keep(message: SharedMessage): void {
    const { hash, bytes } = message;
    if (message.buffer) return void this.buffers.set(hash, message.buffer);
    try {
      const data = readFileSync(message.file as string);
      if (data.length !== bytes) throw new Error(`it holds ${data.length} bytes, not ${bytes}`);
      const own =
        data.byteOffset === 0 && data.buffer.byteLength === data.length ? data.buffer : data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
      this.buffers.set(hash, own);
    } catch (err) {
      const message = `the copy of shared value ${hash} could not be read: ${(err as Error).message}`;
      this.buffers.set(hash, new CohortError(ErrorCode.SHARED_FETCH_FAILED, message, { details: { hash } }));
    }
  }

  drop(hash: string): void {
    this.buffers.delete(hash);
    for (const key of [...this.views.keys()]) if (key.startsWith(`${hash}:`)) this.views.delete(key);
  }

  /** The value as `ctx.shared`; throws SHARED_FETCH_FAILED when it was never posted, BAD_INPUT when it does not fit its kind. */
  view(hash: string, kind: SharedKind): unknown {
    const key = `${hash}:${kind}`;
    if (this.views.has(key)) return this.views.get(key);
    const buffer = this.buffers.get(hash);
    if (buffer === undefined) throw new CohortError(ErrorCode.SHARED_FETCH_FAILED, `shared value ${hash} was not posted to this slot`, { details: { hash } });
    if (buffer instanceof CohortError) throw buffer;
    const view = sharedView(buffer, kind);
    // A parsed JSON value is this slot's own object, handed to every batch after: frozen, so that a partition that
    // changes it (a sort in place) fails, instead of changing what the partitions after it read.
    if (kind === 'json') deepFreeze(view);
    this.views.set(key, view);
    return view;
  }
}

/** Freeze `value` and every object in it (iteratively: a deeply nested value must not overflow the stack). */
function deepFreeze(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) continue;
    Object.freeze(v);
    for (const child of Object.values(v)) stack.push(child);
  }
}
