import { describe, expect, it } from 'vitest';
import type { AssignItem } from '@cohort/shared';
import { WorkQueue, type JobQueue } from './work-queue.js';
import type { JobHeader } from './types.js';

const job = (jobId: string): JobHeader => ({ jobId, task: 'noop', isolation: 'auto', timeoutMs: 0 });
const item = (p: number, a = 0): AssignItem => ({ p, a, input: p });
const queueOf = (q: WorkQueue, jobId: string): JobQueue => [...q.heads()].find((h) => h.job.jobId === jobId) as JobQueue;

describe('WorkQueue', () => {
  it('keeps one FIFO per job, so interleaved jobs still give long runs', () => {
    const q = new WorkQueue();
    for (let p = 0; p < 6; p++) {
      q.push(job('a'), [item(p)]);
      q.push(job('b'), [item(p)]);
    }
    expect(q.length).toBe(12);
    expect([...q.heads()].map((h) => h.job.jobId)).toEqual(['a', 'b']);
    expect(q.take(queueOf(q, 'a'), 10, () => true).map((x) => x.p)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...q.heads()].map((h) => h.job.jobId)).toEqual(['b']);
    expect(q.take(queueOf(q, 'b'), 2, () => true).map((x) => x.p)).toEqual([0, 1]);
    expect(q.length).toBe(4);
  });

  it('stops a run where `fits` fails, and puts work back at the front', () => {
    const q = new WorkQueue();
    q.push(job('a'), [item(0), item(1, 2)]);
    const taken = q.take(queueOf(q, 'a'), 10, (x) => x.a <= 1);
    expect(taken.map((x) => x.p)).toEqual([0]);
    q.unshift(job('a'), taken);
    expect(q.take(queueOf(q, 'a'), 10, () => true).map((x) => x.p)).toEqual([0, 1]);
    expect(q.length).toBe(0);
  });

  it('removes some or all of a job, and clears', () => {
    const q = new WorkQueue();
    q.push(
      job('a'),
      [0, 1, 2].map((p) => item(p)),
    );
    q.push(
      job('a'),
      [3, 4].map((p) => item(p)),
    );
    q.push(job('b'), [item(0)]);
    expect(q.remove('a', (x) => x.p % 2 === 0)).toBe(3);
    expect(q.length).toBe(3);
    expect(q.remove('b')).toBe(1);
    expect(q.clear().flatMap((r) => r.items.map((x) => x.p))).toEqual([1, 3]);
    expect(q.length).toBe(0);
    expect([...q.heads()]).toEqual([]);
  });

  it('keeps the items it was given, and the wire size of each batch', () => {
    const q = new WorkQueue();
    const items = [item(0), item(1)];
    q.push(job('a'), items, 100);
    q.push(job('a'), [item(2)], 7);
    const head = queueOf(q, 'a');
    expect(head.first).toBe(items[0]);
    expect(head.firstBytes).toBe(100);
    expect(q.take(head, 2, () => true)).toEqual(items);
    expect(head.firstBytes).toBe(7);
  });

  it('a job whose header differs is queued apart (a batch never mixes tasks)', () => {
    const q = new WorkQueue();
    q.push(job('a'), [item(0)]);
    q.push({ ...job('a'), task: 'other' }, [item(1)]);
    expect([...q.heads()].map((h) => h.job.task)).toEqual(['noop', 'other']);
    expect(q.remove('a')).toBe(2);
  });

  it('jobs take turns: after a batch a job goes behind the others, and one of priority N gets N batches a turn', () => {
    const q = new WorkQueue();
    q.push(
      { ...job('big'), priority: 2 },
      [0, 1, 2, 3, 4, 5].map((p) => item(p)),
    );
    q.push(job('small'), [item(0), item(1)]);
    const order: string[] = [];
    while (q.length > 0) {
      const head = q.heads().next().value as JobQueue;
      order.push(`${head.job.jobId}${q.take(head, 1, () => true)[0]?.p}`);
      q.served(head);
    }
    expect(order).toEqual(['big0', 'big1', 'small0', 'big2', 'big3', 'small1', 'big4', 'big5']);
  });

  it('a job that is passed over keeps its place, and a job emptied by its batch is not queued again', () => {
    const q = new WorkQueue();
    q.push(job('a'), [item(0)]);
    q.push(job('b'), [item(0), item(1)]);
    q.push(job('c'), [item(0)]);
    // a's slot kind is busy: b is served, and goes behind c; a keeps the front.
    const b = queueOf(q, 'b');
    q.take(b, 1, () => true);
    q.served(b);
    expect([...q.heads()].map((h) => h.job.jobId)).toEqual(['a', 'c', 'b']);
    const a = queueOf(q, 'a');
    q.take(a, 1, () => true);
    q.served(a);
    expect([...q.heads()].map((h) => h.job.jobId)).toEqual(['c', 'b']);
    expect(q.length).toBe(2);
  });
});
