import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@cohort/shared';
import { JOB_TRANSITIONS, isFinal, jobTransition, type JobEvent } from './job-machine.js';
import type { JobStatus } from './job.js';
import { InvalidTransition } from './machine.js';

const STATUSES: JobStatus[] = ['queued', 'running', 'merging', 'succeeded', 'failed', 'cancelled'];
const EVENTS: JobEvent[] = ['start', 'complete', 'merged', 'fail', 'cancel'];

const legal: Array<[JobStatus, JobEvent, JobStatus]> = [];
const illegal: Array<[JobStatus, JobEvent]> = [];
for (const s of STATUSES) {
  for (const e of EVENTS) {
    const to = JOB_TRANSITIONS[s][e];
    if (to) legal.push([s, e, to]);
    else illegal.push([s, e]);
  }
}

describe('job machine', () => {
  it('has the designed table: queued → running → merging → succeeded, and failed | cancelled from any live status', () => {
    expect(legal).toEqual([
      ['queued', 'start', 'running'],
      ['queued', 'complete', 'merging'],
      ['queued', 'fail', 'failed'],
      ['queued', 'cancel', 'cancelled'],
      ['running', 'complete', 'merging'],
      ['running', 'fail', 'failed'],
      ['running', 'cancel', 'cancelled'],
      ['merging', 'merged', 'succeeded'],
      ['merging', 'fail', 'failed'],
      ['merging', 'cancel', 'cancelled'],
    ]);
  });

  it.each(legal)('%s --%s--> %s', (from, event, to) => {
    expect(jobTransition({ id: 'j1', status: from }, event)).toBe(to);
  });

  it.each(illegal)('%s --%s--> throws InvalidTransition naming the job', (from, event) => {
    let caught: unknown;
    try {
      jobTransition({ id: 'j1', status: from }, event);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidTransition);
    expect((caught as InvalidTransition).code).toBe(ErrorCode.INVALID_TRANSITION);
    expect((caught as InvalidTransition).details).toMatchObject({ jobId: 'j1', state: from, event });
  });

  it('succeeded, failed and cancelled are final, and only they', () => {
    expect(STATUSES.filter(isFinal)).toEqual(['succeeded', 'failed', 'cancelled']);
    for (const s of STATUSES.filter(isFinal)) expect(Object.keys(JOB_TRANSITIONS[s])).toEqual([]);
  });
});
