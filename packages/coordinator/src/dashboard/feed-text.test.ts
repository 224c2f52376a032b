import { ErrorCode, isPrintable } from '@cohort/shared';
import { describe, expect, it } from 'vitest';
import { clip } from '@cohort/shared';
import { EVIDENCE_CHARS } from '../results.js';
import { attemptLine, clusterEventLine, jobLines, lostReason } from './feed-text.js';

const evidenceText = (message: unknown) => clip(message, EVIDENCE_CHARS);

const attempt = (over: Record<string, unknown> = {}) => ({
  kind: 'attempt' as const,
  at: 10_000,
  jobId: 'j_0123456789',
  partition: 17,
  attempt: 2,
  agent: 'a1',
  mode: 'thread' as const,
  startedAt: 9_000,
  ms: 1000,
  outcome: 'failed' as const,
  code: 'TASK_FAILED',
  message: 'boom',
  ...over,
});

describe('feed lines', () => {
  it('says how an agent was lost, with the partitions requeued', () => {
    const lost = { kind: 'agent-lost' as const, at: 5000, agentId: 'a_1', agent: 'b3', silentMs: 2000, requeued: 4 };
    expect(clusterEventLine({ ...lost, reason: 'timeout' })).toMatchObject({
      level: 'error',
      agent: 'b3',
      text: 'agent b3 declared dead: no heartbeat for 2.0 s; 4 partitions requeued',
    });
    expect(clusterEventLine({ ...lost, reason: 'closed' })?.text).toBe('agent b3 lost: connection closed; 4 partitions requeued');
    expect(clusterEventLine({ ...lost, reason: 'left', requeued: 0 })).toMatchObject({ level: 'info', text: 'agent b3 left (drained)' });
    expect(lostReason({ ...lost, reason: 'timeout' })).toBe('no heartbeat for 2.0 s');
  });

  it('says who joined, which copies were issued and won, and why a task was escalated', () => {
    expect(clusterEventLine({ kind: 'agent-joined', at: 1, agentId: 'a_1', agent: 'a1', slots: 4, mode: 'auto' })?.text).toBe('agent a1 joined: 4 slots, auto');
    const copy = { kind: 'speculative-copy' as const, at: 1, jobId: 'j_0123456789', partition: 42, agent: 'a2', runningMs: 3100 };
    expect(clusterEventLine(copy)).toMatchObject({ jobId: 'j_0123456789', text: 'speculative copy of p42 issued (running 3.1 s on a2)' });
    expect(attemptLine(attempt({ outcome: 'speculative-won', partition: 42, agent: 'a2' }))?.text).toBe('speculative copy of p42 won on a2');
    const escalated = { kind: 'mode-escalated' as const, at: 1, agentId: 'a_1', agent: 'a1', task: 'crashy', mode: 'process' as const };
    const why = evidenceText('partition 3 of job j_1 crashed: thread slot 2 exited with code 7');
    expect(clusterEventLine({ ...escalated, evidence: ErrorCode.SLOT_CRASHED, why })?.text).toBe(
      'task crashy escalated to processes on a1 after a slot crash (partition 3 of job j_1 crashed: thread slot 2 exited with code 7)',
    );
    expect(clusterEventLine({ ...escalated, evidence: ErrorCode.SLOT_CRASHED })?.text).toBe(
      'task crashy escalated to processes on a1 after a slot crash (SLOT_CRASHED)',
    );
  });

  it('names failed attempts with their code and message; plain successes are not news', () => {
    expect(attemptLine(attempt())).toMatchObject({ level: 'warn', text: 'p17 attempt 2 failed on a1: TASK_FAILED boom', jobId: 'j_0123456789' });
    expect(attemptLine(attempt({ outcome: 'timed-out', code: 'PARTITION_TIMEOUT', message: 'no result' }))?.text).toContain('timed out on a1');
    expect(attemptLine(attempt({ outcome: 'ok' }))).toBeUndefined();
    expect(attemptLine(attempt({ outcome: 'requeued' }))).toBeUndefined();
  });

  it("tells a job's life, and the partition it failed for", () => {
    const job = { kind: 'job' as const, at: 1, jobId: 'j_0123456789', task: 'noop', partitions: 10 };
    expect(jobLines({ ...job, status: 'queued' }, 0)[0]?.text).toBe('job j_0123456789 submitted: noop, 10 partitions');
    expect(jobLines({ ...job, status: 'succeeded' }, 3200)[0]?.text).toBe('job j_0123456789 succeeded in 3.2 s');
    expect(jobLines({ ...job, status: 'cancelled' }, 0)[0]?.text).toBe('job j_0123456789 cancelled');
    const details = {
      partition: 17,
      next: 'x',
      deaths: [],
      attempts: [1, 2, 3].map((a) => ({ attempt: a, agent: 'a1', mode: 'thread', code: 'TASK_FAILED', message: `bad input ${a}` })),
    };
    const error = { code: ErrorCode.PARTITION_FAILED, message: 'partition 17 of job j_0123456789 failed all 3 attempts:\n  attempt 1 …', details };
    const lines = jobLines({ ...job, status: 'failed', error }, 0).map((l) => l.text);
    expect(lines).toEqual([
      'p17 failed 3 attempts: TASK_FAILED bad input 3',
      'job j_0123456789 failed: PARTITION_FAILED partition 17 of job j_0123456789 failed all 3 attempts:…',
    ]);
  });

  it('makes every peer string printable, on one line, and bounded', () => {
    const hostile = `evil\u001b[2J\u0007name\u202e${'x'.repeat(10_000)}`;
    const line = clusterEventLine({ kind: 'agent-joined', at: 1, agentId: 'a_1', agent: hostile, slots: 1, mode: 'threads' })!;
    expect(isPrintable(line.text)).toBe(true);
    expect(line.text.length).toBeLessThan(250);
    expect(clip('two\nlines')).toBe('two…');
    expect(clip('short')).toBe('short');
    expect(clip('x'.repeat(200), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(evidenceText('\u001b'.repeat(1000)).length).toBeLessThanOrEqual(201);
  });
});
