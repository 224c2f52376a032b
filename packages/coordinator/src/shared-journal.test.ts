/**
 * A job's shared value is journaled with the job (its name, size and kind;
 * the bytes are in the shared store), and a journaled ref of the wrong
 * shape is damage, not a job; the report counts how each accepted partition
 * read it.
 */
import { describe, expect, it } from 'vitest';
import { encode, type SharedRef } from '@cohort/shared';
import { decodeRecord, encodeFrame, scanJournal, type JournalJob, type JournalRecord } from './journal-codec.js';
import { Job } from './job.js';
import { jobReport } from './report.js';

const REF: SharedRef = { hash: 'e'.repeat(64), bytes: 4096, kind: 'float32' };
const JOB: JournalJob = { jobId: 'j1', task: 'noop', input: [1, 2], partitions: 2, timeoutMs: 0, maxAttempts: 3, createdAt: 5, shared: REF };

describe('journal: a job with a shared value', () => {
  it('round-trips the shared ref through a frame', () => {
    const records: JournalRecord[] = [];
    const scan = scanJournal(encodeFrame({ kind: 'job', job: JOB }), (r) => records.push(r));
    expect(scan.damaged).toEqual([]);
    expect(records).toEqual([{ kind: 'job', job: JOB }]);
    const { shared: _, ...plain } = JOB;
    expect(decodeRecord(encode({ kind: 'job', job: plain }))).toEqual({ kind: 'job', job: plain });
  });

  it('takes a job whose shared ref has the wrong shape for damage', () => {
    for (const shared of [
      null,
      'x',
      { ...REF, hash: 'short' },
      { ...REF, kind: 'float128' },
      { ...REF, bytes: -1 },
      { ...REF, bytes: 1.5 },
      { hash: REF.hash },
    ]) {
      expect(decodeRecord(encode({ kind: 'job', job: { ...JOB, shared } })), JSON.stringify(shared)).toBeUndefined();
    }
  });
});

describe('report: shared delivery', () => {
  it('counts accepted partitions on threads as shared-memory and in processes as copied; a job without a value has no shared', () => {
    const job = new Job('j1', { task: 'noop', input: null, partitions: 3, timeoutMs: 0, maxAttempts: 3, shared: REF }, 'auto', 0, [1, 2, 3]);
    job.recordShare('a', 'thread', 'profile-shared-input');
    job.recordShare('a', 'thread', 'profile-shared-input');
    job.recordShare('b', 'process', 'agent-processes');
    expect(jobReport(job, 1).shared).toEqual({ ...REF, delivery: { 'shared-memory': 2, copied: 1 } });
    const plain = new Job('j2', { task: 'noop', input: null, partitions: 1, timeoutMs: 0, maxAttempts: 3 }, 'auto', 0, [1]);
    expect('shared' in jobReport(plain, 1)).toBe(false);
  });
});
