/**
 * A job's accepted results as stream events (`?results=1`), in the order
 * they were accepted. The source holds the job's arrays as they are when the
 * stream opens: a finished job lets go of its partitions, but a stream still
 * replaying keeps what it needs until it is done.
 */
import { packValue, type PartitionResultEvent } from '@cohort/shared';
import type { Job } from './job.js';
import type { ResultSource } from './sse.js';

/** How a result stream carries values: their JSON view, or packed exactly (`encoding=msgpack`). */
export type ValueEncoding = 'json' | 'msgpack';

/**
 * With a journal, `durable` gives how many of the job's results are on disk:
 * a stream shows only those (results are journaled in the order accepted),
 * so that nothing it showed can be lost to a crash and come back different
 * (results reloaded after a restart come first, and are durable).
 */
export function resultSource(job: Job, encoding: ValueEncoding, durable?: (jobId: string) => number): ResultSource {
  const { partitions, accepted, id: jobId } = job;
  return (i) => {
    if (durable && !job.finished && i >= job.recovered + durable(jobId)) return undefined;
    const index = accepted[i];
    if (index === undefined) return undefined;
    const p = partitions[index]!;
    const event: PartitionResultEvent = { jobId, index, attempt: p.won, agent: p.winner ?? '', mode: p.mode ?? 'thread', ms: p.ms };
    if (encoding === 'json') event.value = p.value;
    else {
      const packed = packValue(p.value);
      if (packed === undefined) event.value = p.value;
      else event.packed = packed;
    }
    return event;
  };
}
