/**
 * Outgoing results, batched: everything a slot pool reports within one turn
 * of the event loop goes out as one `results` frame per job. While the agent
 * is disconnected, results are held (up to a bound) and sent after it
 * re-joins; the coordinator accepts the first result of a partition and
 * counts the rest as duplicates, so reporting late work is always safe.
 */
import type { AgentMessage, ResultItem } from '@cohort/shared';

/** The most items in one frame. */
export const MAX_BATCH_ITEMS = 4096;

export class Outbox {
  private results = new Map<string, ResultItem[]>();
  private started = new Map<string, Array<[number, number]>>();
  private scheduled = false;
  private held = 0;
  dropped = 0;

  constructor(
    private readonly send: (message: AgentMessage) => boolean,
    private readonly maxHeld: number,
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
      this.flush();
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
        const batch = items.length <= MAX_BATCH_ITEMS ? items : items.slice(0, MAX_BATCH_ITEMS);
        if (!this.send({ type: 'results', jobId, items: batch })) return false;
        this.held -= batch.length;
        if (batch === items) items.length = 0;
        else items.splice(0, batch.length);
      }
      this.results.delete(jobId);
    }
    return true;
  }

  get pending(): number {
    return this.held;
  }
}
