import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@cohort/shared';
import { Job } from './job.js';
import { StateStore } from './state-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohort-state-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function accept(job: Job, index: number): void {
  const p = job.partitions[index]!;
  p.value = index;
  p.winner = 'a';
}

describe('StateStore: what watchers may be told is done', () => {
  it('counts a result durable only once a flush that covers it has completed, and forgets the job at its end', async () => {
    const { store } = await StateStore.open(dir, silentLogger, () => {});
    const job = new Job('j_store00000', { task: 'noop', input: null, partitions: 3, timeoutMs: 0, maxAttempts: 3 }, 'thread', Date.now(), [0, 1, 2]);
    await store.jobSubmitted(job, 3, null);
    for (const i of [0, 1]) {
      accept(job, i);
      store.resultAccepted(job, job.partitions[i]!, 1);
    }
    // Accepted, not yet written out.
    expect(store.durableResults(job.id)).toBe(0);
    await store.flush();
    expect(store.durableResults(job.id)).toBe(2);
    accept(job, 2);
    store.resultAccepted(job, job.partitions[2]!, 1);
    expect(store.durableResults(job.id)).toBe(2);
    await store.flush();
    expect(store.durableResults(job.id)).toBe(3);
    job.complete();
    job.merged(3, Date.now());
    await store.jobFinished(job);
    expect(store.durableResults(job.id)).toBe(0);
    await store.close();
  });
});

describe('StateStore: onDurable', () => {
  it('names the jobs whose durable count grew, once per completed flush', async () => {
    const { store } = await StateStore.open(dir, silentLogger, () => {});
    const told: string[][] = [];
    store.onDurable = (ids) => told.push([...ids]);
    const job = new Job('j_store00001', { task: 'noop', input: null, partitions: 2, timeoutMs: 0, maxAttempts: 3 }, 'thread', Date.now(), [0, 1]);
    await store.jobSubmitted(job, 2, null);
    expect(told).toEqual([]);
    accept(job, 0);
    store.resultAccepted(job, job.partitions[0]!, 1);
    await store.flush();
    expect(told).toEqual([['j_store00001']]);
    // A flush with nothing new tells nobody.
    await store.flush();
    expect(told).toHaveLength(1);
    await store.close();
  });
});
