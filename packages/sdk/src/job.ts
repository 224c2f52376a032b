/**
 * A submitted job, as a program holds it: stream its partition results as
 * they are accepted (`results()`), wait for the merged result (`result()`),
 * cancel it. Modelled on Dask's `as_completed` and BullMQ's QueueEvents:
 * results arrive in the order the cluster accepts them, each with its
 * partition index, and the merged result is always in partition order.
 */
import { CohortError, ErrorCode, isErrorCode, unpackValue, type JobProgress, type JobReport, type JobStreamEvent } from '@cohort/shared';
import type { ApiClient } from './api-client.js';
import { ResultStream, type PartitionResult } from './result-stream.js';

export class Job<R = unknown, J = unknown> {
  readonly id: string;
  /** The task as the coordinator knows it: a built-in name, or `sha256:<hash>` for a shipped bundle. */
  readonly task: string;
  readonly partitions: number;
  private readonly stream: ResultStream<R>;
  private iterating = false;

  constructor(
    private readonly api: ApiClient,
    submitted: JobReport,
    events: AsyncGenerator<JobStreamEvent>,
    reattachTimeoutMs: number,
  ) {
    this.id = submitted.jobId;
    this.task = submitted.task;
    this.partitions = submitted.partitions;
    const path = `/api/jobs/${encodeURIComponent(this.id)}/events?results=1&encoding=msgpack`;
    this.stream = new ResultStream<R>(submitted.partitions, () => api.openStream(path), reattachTimeoutMs);
    void this.stream.run(events);
  }

  /** The latest progress the coordinator sent, if any yet. */
  get progress(): JobProgress | undefined {
    return this.stream.progress;
  }

  /**
   * Each partition's result as it is accepted, with its index, attempt,
   * agent and mode, until the job ends (a failed job's iteration ends too;
   * `result()` says why). One iteration per job.
   */
  results(): AsyncGenerator<PartitionResult<R>> {
    if (this.iterating) throw new CohortError(ErrorCode.INVALID_OPTION, `job ${this.id}: results() may be iterated once`);
    if (this.stream.discarding) throw new CohortError(ErrorCode.INVALID_OPTION, `job ${this.id}: call results() before awaiting result(), or beside it`);
    this.iterating = true;
    return this.stream.results();
  }

  /** The final report, once the job has ended. */
  report(): Promise<JobReport> {
    return this.stream.end;
  }

  /**
   * The merged result, exactly as merge returned it; throws a CohortError with
   * the job's error code (PARTITION_FAILED, CANCELLED, …) when it did not succeed.
   */
  async result(): Promise<J> {
    if (!this.iterating) this.stream.discard();
    const end = await this.stream.end;
    if (end.status !== 'succeeded') {
      const code = isErrorCode(end.error?.code) ? end.error.code : ErrorCode.INTERNAL;
      throw new CohortError(code, end.error?.message ?? `job ${this.id} ${end.status}`, end.error?.details ? { details: end.error.details } : {});
    }
    const exact = await this.api.report(this.id, true);
    return (exact.packed === undefined ? exact.result : unpackValue(exact.packed)) as J;
  }

  /** Cancel the job; its partitions stop where they run. */
  async cancel(): Promise<JobReport> {
    return this.api.cancel(this.id);
  }
}
