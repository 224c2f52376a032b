/**
 * Which finished jobs the coordinator still remembers: their reports are
 * served until they are forgotten, oldest first, past a count or a byte
 * budget for their merged results (the newest is always kept).
 */
import { encode } from '@cohort/shared';
import { Deque } from '@cohort/shared/internal';

/** Finished jobs kept for reports; older ones are forgotten. */
export const MAX_FINISHED_JOBS = 1000;
/** And at most this many bytes of their merged results (the largest single result is kept regardless). */
export const MAX_FINISHED_BYTES = 256 * 1024 * 1024;

export class Retention {
  private readonly order = new Deque<{ jobId: string; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxJobs = MAX_FINISHED_JOBS,
    private readonly maxBytes = MAX_FINISHED_BYTES,
  ) {}

  /** Remember a finished job; returns the ids of the jobs to forget now. */
  keep(jobId: string, result: unknown): string[] {
    const bytes = approxBytes(result);
    this.order.push({ jobId, bytes });
    this.bytes += bytes;
    const evicted: string[] = [];
    while (this.order.length > 1 && (this.order.length > this.maxJobs || this.bytes > this.maxBytes)) {
      const old = this.order.shift()!;
      this.bytes -= old.bytes;
      evicted.push(old.jobId);
    }
    return evicted;
  }
}

/** The encoded size of a value, roughly; what cannot be encoded counts as a small fixed size. */
function approxBytes(value: unknown): number {
  if (value === undefined || value === null) return 16;
  try {
    return encode(value).length;
  } catch {
    return 1024;
  }
}
