import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';
import type { PartitionWork } from './types.js';

const w = (jobId: string, p: number, extra: Partial<PartitionWork> = {}): PartitionWork => ({ jobId, task: 'noop', isolation: 'auto', p, a: 0, input: p, timeoutMs: 0, ...extra });

describe('WorkQueue', () => {
  it('keeps one FIFO per job, so interleaved jobs still give long runs', () => {
    const q = new WorkQueue();
    for (let p = 0; p < 6; p++) {
      q.push(w('a', p));
      q.push(w('b', p));
    }
    expect(q.length).toBe(12);
    expect([...q.heads()].map((h) => h.jobId)).toEqual(['a', 'b']);
    expect(q.take('a', 10, () => true).map((x) => x.p)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...q.heads()].map((h) => h.jobId)).toEqual(['b']);
    expect(q.take('b', 2, () => true).map((x) => x.p)).toEqual([0, 1]);
    expect(q.length).toBe(4);
  });

  it('stops a run where `fits` fails, and puts work back at the front', () => {
    const q = new WorkQueue();
    q.push(w('a', 0));
    q.push(w('a', 1, { timeoutMs: 100 }));
    const taken = q.take('a', 10, (x) => x.timeoutMs === 0);
    expect(taken.map((x) => x.p)).toEqual([0]);
    q.unshiftAll(taken);
    expect(q.take('a', 10, () => true).map((x) => x.p)).toEqual([0, 1]);
    expect(q.length).toBe(0);
  });

  it('removes some or all of a job, and clears', () => {
    const q = new WorkQueue();
    for (let p = 0; p < 5; p++) q.push(w('a', p));
    q.push(w('b', 0));
    expect(q.remove('a', (x) => x.p % 2 === 0).map((x) => x.p)).toEqual([0, 2, 4]);
    expect(q.length).toBe(3);
    expect(q.remove('b').map((x) => x.p)).toEqual([0]);
    expect(q.clear().map((x) => x.p)).toEqual([1, 3]);
    expect(q.length).toBe(0);
    expect([...q.heads()]).toEqual([]);
  });
});
