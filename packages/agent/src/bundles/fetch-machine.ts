/**
 * One fetch of a task bundle over the agent's link, as a machine: events go
 * in (start, a part, a refusal, the link lost, silence), commands come out
 * (ask for the part at an offset, store these verified bytes, fail with this
 * error). No I/O here; the bundle cache (bundle-cache.ts) carries them out.
 *
 * The agent asks for parts in order, keeping at most `window` requests
 * outstanding once it knows the size. Each part must answer a request (its
 * offset as asked), carry the same `total` as the first (within `maxBytes`),
 * and hold exactly the bytes from its offset to the next chunk boundary or
 * the end: no overrun, no short part. When every byte is in, the whole is
 * hashed; bytes that do not hash to the name are discarded
 * (BUNDLE_HASH_MISMATCH) and never stored.
 *
 *   new ─start→ fetching ─(all parts, hash sound)→ done
 *                   └──(bad part, mismatch, refusal, lost, timeout)→ failed
 *
 * A part that arrives after the fetch ended is ignored (no command).
 */
import { BUNDLE_CHUNK_BYTES, CohortError, ErrorCode, sha256Hex, type BundlePartMessage, type BundleRefusedMessage } from '@cohort/shared';

export type FetchState = 'new' | 'fetching' | 'done' | 'failed';

export type FetchCommand =
  | { kind: 'get'; offset: number }
  /** Every byte is in and hashes to the name: store them. */
  | { kind: 'done'; bytes: Buffer }
  | { kind: 'fail'; error: CohortError };

export interface FetchLimits {
  /** The largest bundle this agent takes (a larger `total` fails with BUNDLE_TOO_LARGE). */
  maxBytes: number;
  /** Requests outstanding at once. */
  window: number;
}

const NONE: readonly FetchCommand[] = [];

export class BundleFetch {
  private current: FetchState = 'new';
  private total: number | undefined;
  private next = 0;
  private received = 0;
  private readonly asked = new Set<number>();
  private readonly parts = new Map<number, Uint8Array>();

  constructor(
    readonly hash: string,
    readonly jobId: string,
    private readonly limits: FetchLimits,
  ) {}

  get state(): FetchState {
    return this.current;
  }

  /** Bytes received so far. */
  get bytes(): number {
    return this.received;
  }

  /** Ask for the first part (the size is not known before it). */
  start(): readonly FetchCommand[] {
    if (this.current !== 'new') {
      throw new CohortError(ErrorCode.INVALID_TRANSITION, `bundle fetch ${this.hash}: no move 'start' from '${this.current}'`, {
        details: { hash: this.hash, state: this.current, event: 'start' },
      });
    }
    this.current = 'fetching';
    return [this.ask()];
  }

  part(msg: BundlePartMessage): readonly FetchCommand[] {
    if (this.current !== 'fetching' || msg.hash !== this.hash) return NONE;
    const problem = this.check(msg);
    if (problem) return this.fail(problem);
    const data = msg.data;
    this.asked.delete(msg.offset);
    this.parts.set(msg.offset, data);
    this.received += data.length;
    if (this.received === this.total) return this.complete();
    return this.fill();
  }

  refused(msg: BundleRefusedMessage): readonly FetchCommand[] {
    if (this.current !== 'fetching' || msg.hash !== this.hash) return NONE;
    return this.fail(
      new CohortError(msg.error.code, `the coordinator refused bundle ${this.hash}: ${msg.error.message}`, {
        details: { hash: this.hash, jobId: this.jobId },
      }),
    );
  }

  /** The link went down, the coordinator restarted, or the agent is stopping. */
  lost(why: string): readonly FetchCommand[] {
    if (this.current !== 'fetching') return NONE;
    return this.fail(this.fetchFailed(`bundle ${this.hash} not fetched: ${why}`));
  }

  /** No part came for too long. */
  timeout(silentMs: number): readonly FetchCommand[] {
    if (this.current !== 'fetching') return NONE;
    return this.fail(this.fetchFailed(`bundle ${this.hash} not fetched: no part for ${silentMs} ms`));
  }

  /** What is wrong with a part, or undefined. */
  private check(msg: BundlePartMessage): CohortError | undefined {
    const { offset, total, data } = msg;
    if (!this.asked.has(offset)) return this.fetchFailed(`a part of bundle ${this.hash} at offset ${offset}, which was not asked for`);
    if (this.total === undefined) {
      if (!Number.isInteger(total) || total < 0) return this.fetchFailed(`bundle ${this.hash}: total ${total} is not a size`);
      if (total > this.limits.maxBytes) {
        return new CohortError(ErrorCode.BUNDLE_TOO_LARGE, `bundle ${this.hash} is ${total} bytes; this agent takes at most ${this.limits.maxBytes}`, {
          details: { hash: this.hash, bytes: total, maxBytes: this.limits.maxBytes },
        });
      }
      this.total = total;
    } else if (total !== this.total) {
      return this.fetchFailed(`bundle ${this.hash}: total changed from ${this.total} to ${total} between parts`);
    }
    const expected = Math.min(BUNDLE_CHUNK_BYTES, this.total - offset);
    if (!(data instanceof Uint8Array) || expected < 0 || data.length !== expected) {
      const length = data instanceof Uint8Array ? data.length : -1;
      return this.fetchFailed(`bundle ${this.hash}: the part at ${offset} holds ${length} bytes, not ${Math.max(0, expected)} (of ${this.total})`);
    }
    return undefined;
  }

  /** Keep `window` requests outstanding, in order. */
  private fill(): readonly FetchCommand[] {
    const total = this.total as number;
    const out: FetchCommand[] = [];
    while (this.asked.size < this.limits.window && this.next < total) out.push(this.ask());
    return out;
  }

  private ask(): FetchCommand {
    const offset = this.next;
    this.asked.add(offset);
    this.next += BUNDLE_CHUNK_BYTES;
    return { kind: 'get', offset };
  }

  private complete(): readonly FetchCommand[] {
    const offsets = [...this.parts.keys()].sort((a, b) => a - b);
    const bytes = Buffer.concat(offsets.map((o) => this.parts.get(o) as Uint8Array));
    this.parts.clear();
    const actual = sha256Hex(bytes);
    if (actual !== this.hash) {
      return this.fail(
        new CohortError(ErrorCode.BUNDLE_HASH_MISMATCH, `the bytes fetched for bundle ${this.hash} hash to ${actual}`, {
          details: { hash: this.hash, actual, bytes: bytes.length },
        }),
      );
    }
    this.current = 'done';
    return [{ kind: 'done', bytes }];
  }

  private fail(error: CohortError): readonly FetchCommand[] {
    this.current = 'failed';
    this.parts.clear();
    this.asked.clear();
    return [{ kind: 'fail', error }];
  }

  private fetchFailed(message: string): CohortError {
    return new CohortError(ErrorCode.BUNDLE_FETCH_FAILED, message, { details: { hash: this.hash, jobId: this.jobId } });
  }
}
