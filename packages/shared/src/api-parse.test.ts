import { describe, expect, it } from 'vitest';
import { errorAnswer, parseAgentList, parseJobList, parseJobReport, parseStreamEvent, partitionFailure } from './api-parse.js';
import { ErrorCode } from './errors.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const report = {
  jobId: 'j1',
  task: 'noop',
  status: 'succeeded',
  result: 3,
  partitions: 2,
  done: 2,
  running: 0,
  assigned: 0,
  waiting: 0,
  durationMs: 5,
  attempts: 2,
  duplicates: 0,
  requeued: 0,
  speculative: 0,
  recovered: 0,
  slotMs: 1,
  agents: {},
  modes: { thread: 2, process: 0 },
  modeReasons: {},
  createdAt: 1,
  startedAt: 2,
  finishedAt: 3,
};
const progress = { jobId: 'j1', status: 'running', done: 1, total: 2, running: 1, assigned: 0, attempts: 2, requeued: 0, duplicates: 0, speculative: 0 };

describe('api-parse: the coordinator answers, read at the boundary', () => {
  it('reads a report, and refuses one with an unknown status or a missing count', () => {
    expect(parseJobReport(report)).toEqual(report);
    expect(codeOf(() => parseJobReport({ ...report, status: 'done' }))).toBe(ErrorCode.INTERNAL);
    expect(codeOf(() => parseJobReport({ ...report, done: '2' }))).toBe(ErrorCode.INTERNAL);
    expect(codeOf(() => parseJobReport(null))).toBe(ErrorCode.INTERNAL);
  });

  it('reads the job and agent lists', () => {
    expect(parseJobList({ jobs: [{ ...progress, task: 'noop' }] })[0]?.task).toBe('noop');
    expect(codeOf(() => parseJobList({ jobs: [progress] }))).toBe(ErrorCode.INTERNAL);
    const agent = {
      agentId: 'a',
      name: 'n',
      state: 'ready',
      mode: 'auto',
      slots: 1,
      held: 0,
      window: 2,
      accepted: 0,
      failed: 0,
      silentMs: 0,
      load: null,
      hardware: {},
      escalated: {},
    };
    expect(parseAgentList({ agents: [agent] })).toEqual([agent]);
    expect(codeOf(() => parseAgentList({ agents: [{ ...agent, state: 'gone' }] }))).toBe(ErrorCode.INTERNAL);
  });

  it('types stream events by name and skips unknown ones', () => {
    expect(parseStreamEvent('progress', progress)).toEqual({ event: 'progress', data: progress });
    expect(parseStreamEvent('end', report)?.event).toBe('end');
    expect(parseStreamEvent('cluster', { kind: 'agent-suspect', at: 1, agentId: 'x', agent: 'a', silentMs: 3 })?.event).toBe('cluster');
    expect(parseStreamEvent('later', {})).toBeUndefined();
  });

  it('reads error answers and partition failures field by field', () => {
    expect(errorAnswer({ error: { code: 'BAD_INPUT', message: 7 } })).toEqual({ code: 'BAD_INPUT' });
    expect(errorAnswer({ ok: true })).toBeUndefined();
    const details = { jobId: 'j', task: 't', partition: 1, attempts: [], deaths: [], next: 'x' };
    expect(partitionFailure({ code: ErrorCode.PARTITION_FAILED, details })).toEqual(details);
    expect(partitionFailure({ code: ErrorCode.CANCELLED, details })).toBeUndefined();
  });
});
