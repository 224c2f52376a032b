/**
 * A job's event stream as the SDK reads it: results in, deduplicated by
 * partition, held in a bounded buffer until they are taken; the job's end;
 * and re-attaching after a break (a coordinator restart), with backoff,
 * for up to `reattachTimeoutMs`. A re-attached stream replays every result
 * the coordinator holds, and the ones already seen are skipped.
 */
import {
  CohortError,
  ErrorCode,
  unpackValue,
  type JobProgress,
  type JobReport,
  type JobStreamEvent,
  type PartitionResultEvent,
  type SlotMode,
} from '@cohort/shared';
import { Backoff, Deque, deferred, type Deferred } from '@cohort/shared/internal';

/** One partition's accepted result. */
export interface PartitionResult<R = unknown> {
  /** The partition's index, 0-based. */
  index: number;
  /** The attempt whose result was accepted (0 when it was reloaded from the coordinator's journal). */
  attempt: number;
  /** The agent that ran it. */
  agent: string;
  mode: SlotMode;
  /** Run time inside the slot, ms. */
  ms: number;
  value: R;
}

/** Results held for a reader before the stream stops reading (the coordinator then waits too). */
export const RESULT_BUFFER = 10_000;
/** Re-attach delays after a broken stream: 100 ms, doubling to 2 s. */
const REATTACH = { initialMs: 100, maxMs: 2000, jitter: false } as const;

export type OpenStream = () => Promise<AsyncGenerator<JobStreamEvent>>;

export class ResultStream<R> {
  private readonly buffer = new Deque<PartitionResult<R>>();
  private readonly seen: Uint8Array;
  private readonly ended = deferred<JobReport>();
  private wake: Deferred<void> | undefined;
  private space: Deferred<void> | undefined;
  /** Results are dropped, not held: nobody will take them. */
  discarding = false;
  progress: JobProgress | undefined;
  private final: JobReport | undefined;
  private failure: CohortError | undefined;
  /** Partitions whose result has been seen. */
  private count = 0;
  /** Set when the job succeeded but not every result reached this stream: results() ends with it. */
  private gone: CohortError | undefined;

  constructor(
    partitions: number,
    private readonly reopen: OpenStream,
    private readonly reattachTimeoutMs: number,
  ) {
    this.seen = new Uint8Array(partitions);
    this.ended.promise.catch(() => {});
  }

  /** The job's final report, once its stream has ended (every result before it has been read). */
  get end(): Promise<JobReport> {
    return this.ended.promise;
  }

  /** Read `first` and then re-attached streams until the job's end. */
  async run(first: AsyncGenerator<JobStreamEvent>): Promise<void> {
    let events: AsyncGenerator<JobStreamEvent> | undefined = first;
    const backoff = new Backoff(REATTACH);
    let brokenSince: number | undefined;
    for (let attempt = 0; attempt < 100_000 && !this.final; attempt++) {
      try {
        events ??= await this.reopen();
        for await (const e of events) {
          brokenSince = undefined;
          if (await this.take(e)) return;
        }
        throw new CohortError(ErrorCode.CONNECT_FAILED, 'the job stream ended before the job did');
      } catch (err) {
        events = undefined;
        const e = err instanceof CohortError ? err : new CohortError(ErrorCode.CONNECT_FAILED, (err as Error).message, { cause: err });
        brokenSince ??= Date.now();
        if (e.code !== ErrorCode.CONNECT_FAILED || Date.now() - brokenSince > this.reattachTimeoutMs) return this.fail(e);
        await new Promise((r) => setTimeout(r, backoff.next()));
      }
    }
  }

  /** One event; true at the job's end. */
  private async take(e: JobStreamEvent): Promise<boolean> {
    switch (e.event) {
      case 'result':
        await this.accept(e.data);
        return false;
      case 'progress':
        this.progress = e.data;
        return false;
      case 'end':
        this.final = e.data;
        this.ended.resolve(e.data);
        if (e.data.status === 'succeeded' && this.count < this.seen.length) this.lost(e.data.jobId);
        this.notify();
        return true;
      case 'error':
        throw new CohortError(ErrorCode.CONNECT_FAILED, `the coordinator dropped the stream: ${e.data.code}: ${e.data.message}`);
      default:
        return false;
    }
  }

  private async accept(r: PartitionResultEvent): Promise<void> {
    if (r.index < 0 || r.index >= this.seen.length || this.seen[r.index] === 1) return;
    this.seen[r.index] = 1;
    this.count++;
    if (this.discarding) return;
    const value = (r.packed === undefined ? r.value : unpackValue(r.packed)) as R;
    this.buffer.push({ index: r.index, attempt: r.attempt, agent: r.agent, mode: r.mode, ms: r.ms, value });
    this.notify();
    if (this.buffer.length >= RESULT_BUFFER && !this.discarding) {
      this.space = deferred();
      await this.space.promise;
    }
  }

  /** The job succeeded, but the stream re-attached after the coordinator let go of some results: results() says so rather than end short. */
  private lost(jobId: string): void {
    const missing = this.seen.length - this.count;
    this.gone = new CohortError(
      ErrorCode.RESULTS_GONE,
      `job ${jobId} succeeded, but ${missing} of its ${this.seen.length} partition results were released by the coordinator before this stream could take them (it re-attached after the job ended, or after a restart); job.result() has the merged result`,
      { details: { jobId, missing, partitions: this.seen.length } },
    );
  }

  private fail(err: CohortError): void {
    this.failure = err;
    this.ended.reject(err);
    this.notify();
  }

  private notify(): void {
    this.wake?.resolve();
    this.wake = undefined;
  }

  /** Stop holding results (nobody will take them) and let the stream run to its end. */
  discard(): void {
    this.discarding = true;
    this.buffer.clear();
    this.space?.resolve();
  }

  /** The results, as they are accepted, until the job's end. */
  async *results(): AsyncGenerator<PartitionResult<R>> {
    for (;;) {
      const next = this.buffer.shift();
      if (next !== undefined) {
        if (this.space && this.buffer.length < RESULT_BUFFER / 2) this.space.resolve();
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.gone) throw this.gone;
      if (this.final) return;
      this.wake ??= deferred();
      await this.wake.promise;
    }
  }
}
