/**
 * The pool's queue: one FIFO per job, the jobs taking turns (round robin
 * weighted by the job's priority: after `priority` batches, `served` moves a
 * job behind the others). A batch takes a run of one job's partitions even
 * when the coordinator's assign messages interleave several jobs, so batches
 * stay large; and a job whose slot kind is all busy does not block a job of
 * the other kind behind it (it keeps its place, and goes first when its kind
 * frees).
 *
 * A job's FIFO holds the assign batches as they came (their items are never
 * copied into other objects), each with the wire size of one of its items.
 * Every operation is O(1) per partition, except cancel (O(that job)).
 */
import type { AssignItem } from '@cohort/shared';
import { Deque } from '@cohort/shared/internal';
import type { JobHeader } from './types.js';

/** Part of one assign batch, still queued from `next` on. */
interface Run {
  readonly items: readonly AssignItem[];
  next: number;
  /** About how many bytes one item's input takes on the wire. */
  readonly itemBytes: number;
}

/** The queued work of one job (one header: a job's task, isolation and timeout never change). */
export class JobQueue {
  readonly runs = new Deque<Run>();
  length = 0;
  /** Batches posted in this job's current turn. */
  turn = 0;

  constructor(
    readonly key: string,
    readonly job: JobHeader,
  ) {}

  /** The next partition to run. */
  get first(): AssignItem {
    const run = this.runs.peek() as Run;
    return run.items[run.next] as AssignItem;
  }
  /** About how many bytes the first partition's input took on the wire. */
  get firstBytes(): number {
    return (this.runs.peek() as Run).itemBytes;
  }
}

/** Work removed from the queue, by job. */
export interface Removed {
  job: JobHeader;
  items: AssignItem[];
}

/** A job's header alone (not the assign batch it came with, whose items it would keep alive). */
function headerOf(job: JobHeader): JobHeader {
  const header: JobHeader = { jobId: job.jobId, task: job.task, isolation: job.isolation, timeoutMs: job.timeoutMs };
  if (job.shared) header.shared = job.shared;
  if (job.sharedInput) header.sharedInput = true;
  if (job.priority !== undefined) header.priority = job.priority;
  return header;
}

const keyOf = (job: JobHeader): string => `${job.jobId}\u0000${job.task}\u0000${job.isolation}\u0000${job.timeoutMs}`;

export class WorkQueue {
  private readonly jobs = new Map<string, JobQueue>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Queue a batch's items at the back of its job's FIFO. */
  push(job: JobHeader, items: readonly AssignItem[], itemBytes = 0): void {
    if (items.length === 0) return;
    const q = this.queueOf(job);
    q.runs.push({ items, next: 0, itemBytes });
    q.length += items.length;
    this.count += items.length;
  }

  /** Put items back at the front of their job's FIFO, in order. */
  unshift(job: JobHeader, items: readonly AssignItem[], itemBytes = 0): void {
    if (items.length === 0) return;
    const q = this.queueOf(job);
    q.runs.unshift({ items, next: 0, itemBytes });
    q.length += items.length;
    this.count += items.length;
  }

  /** Each job's queue, in turn order: the job whose turn it is first. */
  heads(): IterableIterator<JobQueue> {
    return this.jobs.values();
  }

  /** A batch of `q` was posted: after `priority` batches (1 when absent), its turn ends and it goes behind the others. O(1). */
  served(q: JobQueue): void {
    if (++q.turn < (q.job.priority ?? 1)) return;
    q.turn = 0;
    if (this.jobs.get(q.key) !== q) return; // emptied by the take
    this.jobs.delete(q.key);
    this.jobs.set(q.key, q);
  }

  /** Take up to `max` items from the front of `q`, while `fits` holds (the first is always taken). */
  take(q: JobQueue, max: number, fits: (item: AssignItem) => boolean): AssignItem[] {
    const out: AssignItem[] = [];
    while (out.length < max) {
      const run = q.runs.peek();
      if (!run) break;
      const item = run.items[run.next] as AssignItem;
      if (out.length > 0 && !fits(item)) break;
      out.push(item);
      if (++run.next === run.items.length) q.runs.shift();
    }
    this.taken(q, out.length);
    return out;
  }

  /** Remove the items of `jobId` that `hit` matches (all of them when absent); returns how many. */
  remove(jobId: string, hit?: (item: AssignItem) => boolean): number {
    let removed = 0;
    for (const q of [...this.jobs.values()]) {
      if (q.job.jobId !== jobId) continue;
      removed += this.filter(q, hit ?? (() => true)).length;
    }
    return removed;
  }

  /** Remove every job that `hit` matches; returns what it held. O(length). */
  removeWhere(hit: (job: JobHeader) => boolean): Removed[] {
    const removed: Removed[] = [];
    for (const q of [...this.jobs.values()]) if (hit(q.job)) removed.push({ job: q.job, items: this.filter(q, () => true) });
    return removed;
  }

  clear(): Removed[] {
    return this.removeWhere(() => true);
  }

  private queueOf(job: JobHeader): JobQueue {
    const key = keyOf(job);
    let q = this.jobs.get(key);
    if (!q) this.jobs.set(key, (q = new JobQueue(key, headerOf(job))));
    return q;
  }

  /** Remove the items of `q` that `hit` matches, keeping the rest in order; returns the removed. */
  private filter(q: JobQueue, hit: (item: AssignItem) => boolean): AssignItem[] {
    const removed: AssignItem[] = [];
    for (const run of q.runs.drain()) {
      const kept: AssignItem[] = [];
      for (let i = run.next; i < run.items.length; i++) {
        const item = run.items[i] as AssignItem;
        (hit(item) ? removed : kept).push(item);
      }
      if (kept.length > 0) q.runs.push({ items: kept, next: 0, itemBytes: run.itemBytes });
    }
    this.taken(q, removed.length);
    return removed;
  }

  private taken(q: JobQueue, n: number): void {
    q.length -= n;
    this.count -= n;
    if (q.length === 0) this.jobs.delete(q.key);
  }
}
