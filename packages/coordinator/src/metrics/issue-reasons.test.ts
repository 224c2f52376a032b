import { describe, expect, it } from 'vitest';
import type { AgentSession } from '../agent-session.js';
import type { AttemptFailure } from '../job.js';
import { issueReason } from './issue-reasons.js';

const failure = (attempt: number): AttemptFailure => ({ attempt, agent: 'a', mode: 'thread', error: { code: 'TASK_ERROR', name: 'Error', message: 'x' } });
const spare = {} as AgentSession;

describe('issueReason', () => {
  it('first for attempt 1, whatever the partition holds', () => {
    expect(issueReason({ spare, failures: [failure(1)] }, 1)).toBe('first');
  });
  it('speculative while the original still runs as the spare', () => {
    expect(issueReason({ spare, failures: undefined }, 2)).toBe('speculative');
  });
  it('retry when the previous attempt failed, requeue when it was taken back', () => {
    expect(issueReason({ spare: null, failures: [failure(1)] }, 2)).toBe('retry');
    expect(issueReason({ spare: null, failures: [failure(1)] }, 3)).toBe('requeue');
    expect(issueReason({ spare: null, failures: undefined }, 2)).toBe('requeue');
  });
  it('requeue for a re-issue of a partition the coordinator no longer knows', () => {
    expect(issueReason(undefined, 4)).toBe('requeue');
  });
});
