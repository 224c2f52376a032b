/**
 * Where a partition goes when an attempt does not succeed: back to the
 * queue (a loss), behind the others (a failed attempt with attempts left),
 * or nowhere (out of attempts: it fails, and its job with it). No I/O:
 * effects go into the cluster's list.
 */
import { ErrorCode, LIMITS, type Logger } from '@cohort/shared';
import { attemptEnded, startOf } from './attempt-ended.js';
import type { Effects } from './effects.js';
import { attemptsExhaustedError, partitionFailedError } from './failure-report.js';
import type { AttemptFailure, Job, JobError, Partition } from './job.js';

export class Outcomes {
  constructor(
    private readonly fx: Effects,
    private readonly log: Logger,
  ) {}

  /** Requeue `p` at the front, unless it has used every attempt number there is. True when requeued. */
  takeBack(p: Partition, now: number, agent: string, reason: string): boolean {
    attemptEnded(this.fx, p, { agent, attempt: p.attempt, outcome: 'requeued', startedAt: startOf(p), code: reason }, now);
    if (p.attempt < LIMITS.attempt.max) {
      p.job.requeue(p, now, agent, reason);
      return true;
    }
    this.failPartition(p, now, agent, reason, attemptsExhaustedError(p.job, p));
    return false;
  }

  /** Record a failed attempt; when it was the current one, retry the partition or, out of attempts, fail the job. */
  attemptFailed(job: Job, p: Partition, failure: AttemptFailure, current: boolean, now: number): void {
    (p.failures ??= []).push(failure);
    const timedOut = failure.mode === undefined;
    attemptEnded(
      this.fx,
      p,
      {
        agent: failure.agent,
        attempt: failure.attempt,
        outcome: timedOut ? 'timed-out' : 'failed',
        startedAt: current ? startOf(p) : now,
        mode: failure.mode,
        code: failure.error.code,
        message: failure.error.message,
      },
      now,
    );
    if (!current) return; // an older copy failed; the current attempt goes on
    if (p.failures.length >= job.spec.maxAttempts) {
      this.failPartition(p, now, failure.agent, failure.error.code, partitionFailedError(job, p));
    } else if (p.attempt >= LIMITS.attempt.max) {
      this.failPartition(p, now, failure.agent, failure.error.code, attemptsExhaustedError(job, p));
    } else {
      job.retryLater(p, now, failure.agent, failure.error.code);
      this.log.warn('partition attempt failed', {
        jobId: job.id,
        partition: p.index,
        attempt: failure.attempt,
        agent: failure.agent,
        code: failure.error.code,
      });
    }
  }

  /** `p` failed for good, and its job with it. */
  failPartition(p: Partition, now: number, agent: string, reason: string, error: JobError): void {
    p.job.failPartition(p, now, agent, reason);
    this.failJob(p.job, error, now);
  }

  /** The job ends failed (or cancelled); every session still holding its partitions is told to drop it. */
  failJob(job: Job, error: JobError, now: number): void {
    if (job.finished) return;
    for (const p of job.inflight) {
      if (p.agent) attemptEnded(this.fx, p, { agent: p.agent.name, attempt: p.attempt, outcome: 'cancelled', startedAt: startOf(p), code: error.code }, now);
    }
    const holders = job.end(error, now, error.code === ErrorCode.CANCELLED);
    for (const s of holders) this.fx.send(s, { type: 'cancel', jobId: job.id });
    this.log.warn('job failed', { jobId: job.id, code: error.code, message: error.message });
    this.fx.finished(job);
  }
}
