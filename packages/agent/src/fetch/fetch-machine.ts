/**
 * One content-addressed fetch over the agent's link, as a machine: events go
 * in (start, a part, a refusal, the link lost, silence), commands come out
 * (ask for the part at an offset, hand out these verified bytes, fail with
 * this error). No I/O here. Task bundles (bundles/) and shared job values
 * (shared/) both fetch with it; a `FetchKind` names the codes and how the
 * bytes are held.
 *
 * The agent asks for parts in order, keeping at most `window` requests
 * outstanding once it knows the size. Each part must answer a request (its
 * offset as asked), carry the same `total` as the first (within `maxBytes`,
 * and equal to `expectedBytes` when the name came with a size), and hold
 * exactly the bytes from its offset to the next chunk boundary or the end:
 * no overrun, no short part. Each part is copied straight into one buffer of
 * `total` bytes, made by the kind's `alloc` once the size is known (a
 * SharedArrayBuffer for a shared value: its bytes are never held twice).
 * When every byte is in, the whole is hashed; bytes that do not hash to the
 * name are dropped (the kind's mismatch code) and never handed out.
 *
 *   new ─start→ fetching ─(all parts, hash sound)→ done
 *                   └──(bad part, mismatch, refusal, lost, timeout, cancel)→ failed
 *
 * A part that arrives after the fetch ended is ignored (no command).
 */
import { CohortError, ErrorCode, sha256Hex, type WireError } from '@cohort/shared';

export type FetchState = 'new' | 'fetching' | 'done' | 'failed';

export type FetchCommand<B extends Uint8Array = Uint8Array> =
  | { kind: 'get'; offset: number }
  /** Every byte is in and hashes to the name. */
  | { kind: 'done'; bytes: B }
  | { kind: 'fail'; error: CohortError };

/** What is fetched: its name in messages, its chunk size, its error codes and where its bytes go. */
export interface FetchKind<B extends Uint8Array = Uint8Array> {
  /** 'bundle', 'shared value': in error messages. */
  what: string;
  chunkBytes: number;
  tooLarge: ErrorCode;
  mismatch: ErrorCode;
  failed: ErrorCode;
  /** The one buffer the bytes are written into, made once the size is known. */
  alloc(bytes: number): B;
}

export interface FetchLimits {
  /** The largest value this agent takes (a larger `total` fails with the kind's too-large code). */
  maxBytes: number;
  /** Requests outstanding at once. */
  window: number;
  /** The size the name came with (a SharedRef's `bytes`): any other `total` is refused. */
  expectedBytes?: number;
}

/** A part as both `bundle-part` and `shared-part` carry it. */
export interface FetchPart {
  hash: string;
  offset: number;
  total: number;
  data: Uint8Array;
}

const NONE: readonly never[] = [];

export class ChunkFetch<B extends Uint8Array = Uint8Array> {
  private current: FetchState = 'new';
  private total: number | undefined;
  private target: B | undefined;
  private next = 0;
  private received = 0;
  private readonly asked = new Set<number>();

  constructor(
    readonly hash: string,
    readonly jobId: string,
    private readonly limits: FetchLimits,
    private readonly kind: FetchKind<B>,
  ) {}

  get state(): FetchState {
    return this.current;
  }

  /** Bytes received so far. */
  get bytes(): number {
    return this.received;
  }

  /** Ask for the first part (the size is not known before it). */
  start(): readonly FetchCommand<B>[] {
    if (this.current !== 'new') {
      throw new CohortError(ErrorCode.INVALID_TRANSITION, `${this.kind.what} fetch ${this.hash}: no move 'start' from '${this.current}'`, {
        details: { hash: this.hash, state: this.current, event: 'start' },
      });
    }
    this.current = 'fetching';
    return [this.ask()];
  }

  part(msg: FetchPart): readonly FetchCommand<B>[] {
    if (this.current !== 'fetching' || msg.hash !== this.hash) return NONE;
    const problem = this.check(msg);
    if (problem) return this.fail(problem);
    const data = msg.data;
    this.asked.delete(msg.offset);
    (this.target as B).set(data, msg.offset);
    this.received += data.length;
    if (this.received === this.total) return this.complete();
    return this.fill();
  }

  refused(msg: { type?: string; hash: string; error: WireError }): readonly FetchCommand<B>[] {
    if (this.current !== 'fetching' || msg.hash !== this.hash) return NONE;
    return this.fail(
      new CohortError(msg.error.code, `the coordinator refused ${this.kind.what} ${this.hash}: ${msg.error.message}`, {
        details: { hash: this.hash, jobId: this.jobId },
      }),
    );
  }

  /** The link went down, the coordinator restarted, the value is no longer wanted, or the agent is stopping. */
  lost(why: string): readonly FetchCommand<B>[] {
    if (this.current !== 'fetching') return NONE;
    return this.fail(this.fetchFailed(`${this.kind.what} ${this.hash} not fetched: ${why}`));
  }

  /** No part came for too long. */
  timeout(silentMs: number): readonly FetchCommand<B>[] {
    if (this.current !== 'fetching') return NONE;
    return this.fail(this.fetchFailed(`${this.kind.what} ${this.hash} not fetched: no part for ${silentMs} ms`));
  }

  /** What is wrong with a part, or undefined. The first sound part sizes the target. */
  private check(msg: FetchPart): CohortError | undefined {
    const { offset, total, data } = msg;
    const what = `${this.kind.what} ${this.hash}`;
    if (!this.asked.has(offset)) return this.fetchFailed(`a part of ${what} at offset ${offset}, which was not asked for`);
    if (this.total === undefined) {
      const problem = this.checkTotal(total);
      if (problem) return problem;
    } else if (total !== this.total) {
      return this.fetchFailed(`${what}: total changed from ${this.total} to ${total} between parts`);
    }
    const size = this.total as number;
    const expected = Math.min(this.kind.chunkBytes, size - offset);
    if (!(data instanceof Uint8Array) || expected < 0 || data.length !== expected) {
      const length = data instanceof Uint8Array ? data.length : -1;
      return this.fetchFailed(`${what}: the part at ${offset} holds ${length} bytes, not ${Math.max(0, expected)} (of ${size})`);
    }
    return undefined;
  }

  private checkTotal(total: number): CohortError | undefined {
    const what = `${this.kind.what} ${this.hash}`;
    if (!Number.isSafeInteger(total) || total < 0) return this.fetchFailed(`${what}: total ${total} is not a size`);
    if (total > this.limits.maxBytes) {
      return new CohortError(this.kind.tooLarge, `${what} is ${total} bytes; this agent takes at most ${this.limits.maxBytes}`, {
        details: { hash: this.hash, bytes: total, maxBytes: this.limits.maxBytes },
      });
    }
    const expected = this.limits.expectedBytes;
    if (expected !== undefined && total !== expected) return this.fetchFailed(`${what}: total ${total} is not the ${expected} bytes the job names`);
    this.total = total;
    this.target = this.kind.alloc(total);
    return undefined;
  }

  /** Keep `window` requests outstanding, in order. */
  private fill(): readonly FetchCommand<B>[] {
    const total = this.total as number;
    const out: FetchCommand<B>[] = [];
    while (this.asked.size < this.limits.window && this.next < total) out.push(this.ask());
    return out;
  }

  private ask(): FetchCommand<B> {
    const offset = this.next;
    this.asked.add(offset);
    this.next += this.kind.chunkBytes;
    return { kind: 'get', offset };
  }

  private complete(): readonly FetchCommand<B>[] {
    const bytes = this.target as B;
    this.target = undefined;
    const actual = sha256Hex(bytes);
    if (actual !== this.hash) {
      return this.fail(
        new CohortError(this.kind.mismatch, `the bytes fetched for ${this.kind.what} ${this.hash} hash to ${actual}`, {
          details: { hash: this.hash, actual, bytes: bytes.length },
        }),
      );
    }
    this.current = 'done';
    return [{ kind: 'done', bytes }];
  }

  private fail(error: CohortError): readonly FetchCommand<B>[] {
    this.current = 'failed';
    this.target = undefined;
    this.asked.clear();
    return [{ kind: 'fail', error }];
  }

  private fetchFailed(message: string): CohortError {
    return new CohortError(this.kind.failed, message, { details: { hash: this.hash, jobId: this.jobId } });
  }
}
