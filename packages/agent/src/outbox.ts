/**
 * Outgoing results, batched: everything a slot pool reports within one turn
 * of the event loop goes out as one `results` frame per job. While the agent
 * is disconnected, results are held (up to a bound) and sent after it
 * re-joins; the coordinator accepts the first result of a partition and
 * counts the rest as duplicates, so reporting late work is always safe.
 *
 * Frames stay under the coordinator's limit: a batch is split until each
 * frame fits, and an item that cannot be encoded or cannot fit is sent as a
 * failed result instead, so no value can kill the main thread or make the
 * agent resend a frame the coordinator closes the link over.
 */
import { DEFAULT_MAX_FRAME_BYTES, ErrorCode, RawValue, encode, toWireError, type AgentMessage, type ResultItem } from '@cohort/shared';

/** The most items in one frame. */
export const MAX_BATCH_ITEMS = 4096;
/** Bytes a result item takes in a frame besides its value (for sizing batches before encoding them). */
const ITEM_OVERHEAD_BYTES = 256;

/** A failed item in place of one that cannot go out: the error is ours, plain, and always encodes. */
function refusedItem(item: ResultItem, code: ErrorCode, message: string, details: Record<string, unknown>): ResultItem {
  return { p: item.p, a: item.a, ok: false, error: { code, name: 'CohortError', message, details }, ms: item.ms, mode: item.mode, why: item.why };
}

export class Outbox {
  private results = new Map<string, ResultItem[]>();
  private started = new Map<string, Array<[number, number]>>();
  private scheduled = false;
  private held = 0;
  dropped = 0;

  /** The coordinator's frame limit: no results frame is ever sent above it. */
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;

  constructor(
    private readonly send: (message: AgentMessage) => boolean,
    private readonly maxHeld: number,
    /** Send one encoded frame; false when the link is down. */
    private readonly sendFrame: (frame: Buffer) => boolean = () => false,
    /** Runs each scheduled flush: the link holds its frames and writes them at once (Link.corked). */
    private readonly together: (flush: () => boolean) => boolean = (flush) => flush(),
  ) {}

  addResults(jobId: string, items: ResultItem[]): void {
    let list = this.results.get(jobId);
    if (!list) this.results.set(jobId, (list = []));
    for (const item of items) {
      if (this.held >= this.maxHeld) {
        this.dropped++;
        continue;
      }
      list.push(item);
      this.held++;
    }
    this.soon();
  }

  addStarted(jobId: string, items: Array<[number, number]>): void {
    let list = this.started.get(jobId);
    if (!list) this.started.set(jobId, (list = []));
    list.push(...items);
    this.soon();
  }

  /** Forget everything held; returns how many results were dropped. */
  clear(): number {
    const dropped = this.held;
    this.results.clear();
    this.started.clear();
    this.held = 0;
    return dropped;
  }

  /** Forget started notices (they mean nothing to a new session). */
  resetStarted(): void {
    this.started.clear();
  }

  private soon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.together(() => this.flush());
    });
  }

  /** Send what can be sent; returns false when the link is down and results stay held. */
  flush(): boolean {
    for (const [jobId, items] of this.started) {
      if (!this.send({ type: 'started', jobId, items })) return false;
      this.started.delete(jobId);
    }
    for (const [jobId, items] of this.results) {
      while (items.length > 0) {
        const n = this.fit(items);
        const batch = n === items.length ? items : items.slice(0, n);
        const frames = this.frames(jobId, batch);
        if (!this.sendFrame(frames[0] as Buffer)) return false;
        for (let i = 1; i < frames.length; i++) this.sendFrame(frames[i] as Buffer);
        this.held -= n;
        if (batch === items) items.length = 0;
        else items.splice(0, n);
      }
      this.results.delete(jobId);
    }
    return true;
  }

  /** How many of the first items to try in one frame: by count, and by the known size of their values. */
  private fit(items: ResultItem[]): number {
    const room = this.maxFrameBytes;
    let bytes = 0;
    let n = 0;
    while (n < items.length && n < MAX_BATCH_ITEMS) {
      const item = items[n] as ResultItem;
      const size = ITEM_OVERHEAD_BYTES + (item.ok && item.value instanceof RawValue ? item.value.length : 0);
      if (n > 0 && bytes + size > room) break;
      bytes += size;
      n++;
    }
    return n;
  }

  /**
   * Encode a batch as frames under the limit, halving it until each fits. A
   * single item that does not encode, or does not fit, goes out failed
   * (RESULT_NOT_SERIALIZABLE, RESULT_TOO_LARGE): never a throw on the main
   * thread, and never a frame the coordinator would refuse and we would resend.
   */
  private frames(jobId: string, batch: ResultItem[]): Buffer[] {
    let frame: Buffer | undefined;
    let problem: unknown;
    try {
      frame = encode({ type: 'results', jobId, items: batch } satisfies AgentMessage);
    } catch (err) {
      problem = err;
    }
    if (frame && frame.length <= this.maxFrameBytes) return [frame];
    if (batch.length > 1) {
      const half = batch.length >> 1;
      return [...this.frames(jobId, batch.slice(0, half)), ...this.frames(jobId, batch.slice(half))];
    }
    const item = batch[0] as ResultItem;
    const refused = frame
      ? refusedItem(item, ErrorCode.RESULT_TOO_LARGE, `result is ${frame.length} bytes in a frame; the coordinator allows ${this.maxFrameBytes}`, {
          bytes: frame.length,
          maxBytes: this.maxFrameBytes,
        })
      : refusedItem(item, ErrorCode.RESULT_NOT_SERIALIZABLE, `result cannot be encoded: ${toWireError(problem).message.slice(0, 1024)}`, { path: 'result' });
    return [encode({ type: 'results', jobId, items: [refused] } satisfies AgentMessage)];
  }

  get pending(): number {
    return this.held;
  }
}
