import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@cohort/shared';
import {
  InvalidTransition,
  PARTITION_TRANSITIONS,
  canTransition,
  transition,
  type PartitionEvent,
  type PartitionRecord,
  type PartitionState,
  type Transition,
} from './partition-machine.js';

const STATES: PartitionState[] = ['pending', 'assigned', 'running', 'succeeded', 'failed'];
const EVENTS: PartitionEvent[] = ['assign', 'start', 'succeed', 'lost', 'retry', 'fail'];

/** The events that bring a fresh partition to each state, each by a legal path. */
const PATH: Record<PartitionState, PartitionEvent[]> = {
  pending: [],
  assigned: ['assign'],
  running: ['assign', 'start'],
  succeeded: ['assign', 'start', 'succeed'],
  failed: ['assign', 'start', 'fail'],
};

function at(state: PartitionState): PartitionRecord {
  const p: PartitionRecord = { index: 7, state: 'pending', attempt: 0 };
  let t = 100;
  for (const event of PATH[state]) {
    if (event === 'assign') p.attempt++;
    transition(p, event, t++, 'agent-a');
  }
  expect(p.state).toBe(state);
  return p;
}

const legal: Array<[PartitionState, PartitionEvent, PartitionState]> = [];
const illegal: Array<[PartitionState, PartitionEvent]> = [];
for (const s of STATES) {
  for (const e of EVENTS) {
    const to = PARTITION_TRANSITIONS[s][e];
    if (to) legal.push([s, e, to]);
    else illegal.push([s, e]);
  }
}

describe('partition machine', () => {
  it('has the designed table: pending → assigned → running → succeeded | failed, and back to pending when lost', () => {
    expect(legal).toEqual([
      ['pending', 'assign', 'assigned'],
      ['pending', 'succeed', 'succeeded'],
      ['pending', 'fail', 'failed'],
      ['assigned', 'start', 'running'],
      ['assigned', 'succeed', 'succeeded'],
      ['assigned', 'lost', 'pending'],
      ['assigned', 'retry', 'pending'],
      ['assigned', 'fail', 'failed'],
      ['running', 'succeed', 'succeeded'],
      ['running', 'lost', 'pending'],
      ['running', 'retry', 'pending'],
      ['running', 'fail', 'failed'],
    ]);
  });

  it('succeeded and failed are final', () => {
    for (const e of EVENTS) {
      expect(canTransition('succeeded', e)).toBe(false);
      expect(canTransition('failed', e)).toBe(false);
    }
  });

  it.each(legal)('%s --%s--> %s, recorded in the history', (from, event, to) => {
    const p = at(from);
    const before = [...(p.history ?? [])];
    p.attempt = 2;
    expect(canTransition(from, event)).toBe(true);
    expect(transition(p, event, 999, 'agent-b', 'why')).toBe(to);
    expect(p.state).toBe(to);
    expect(p.history).toEqual([...before, { from, to, event, at: 999, attempt: 2, agent: 'agent-b', reason: 'why' }]);
  });

  it.each(illegal)('%s --%s--> throws InvalidTransition with the prior history', (from, event) => {
    const p = at(from);
    const prior: Transition[] = structuredClone(p.history ?? []);
    expect(canTransition(from, event)).toBe(false);
    let caught: unknown;
    try {
      transition(p, event, 999, 'agent-b');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidTransition);
    const err = caught as InvalidTransition;
    expect(err.code).toBe(ErrorCode.INVALID_TRANSITION);
    expect(err.details).toMatchObject({ partition: 7, state: from, event });
    expect(err.details!.history).toEqual(prior);
    // The failed move changed nothing.
    expect(p.state).toBe(from);
    expect(p.history ?? []).toEqual(prior);
  });

  it('history is absent until the first move', () => {
    const p: PartitionRecord = { index: 0, state: 'pending', attempt: 0 };
    expect(p.history).toBeUndefined();
    let caught: InvalidTransition | undefined;
    try {
      transition(p, 'start', 1);
    } catch (err) {
      caught = err as InvalidTransition;
    }
    expect(caught?.details?.history).toEqual([]);
  });

  it('records from, to, event, attempt and agent over a lost-and-retried life', () => {
    const p: PartitionRecord = { index: 3, state: 'pending', attempt: 0 };
    p.attempt = 1;
    transition(p, 'assign', 10, 'a1');
    transition(p, 'start', 11, 'a1');
    transition(p, 'lost', 20, 'a1', 'agent-closed');
    p.attempt = 2;
    transition(p, 'assign', 21, 'a2');
    transition(p, 'retry', 30, 'a2', 'TASK_ERROR');
    p.attempt = 3;
    transition(p, 'assign', 31, 'a1');
    transition(p, 'succeed', 40, 'a1');
    expect(p.history).toEqual([
      { from: 'pending', to: 'assigned', event: 'assign', at: 10, attempt: 1, agent: 'a1' },
      { from: 'assigned', to: 'running', event: 'start', at: 11, attempt: 1, agent: 'a1' },
      { from: 'running', to: 'pending', event: 'lost', at: 20, attempt: 1, agent: 'a1', reason: 'agent-closed' },
      { from: 'pending', to: 'assigned', event: 'assign', at: 21, attempt: 2, agent: 'a2' },
      { from: 'assigned', to: 'pending', event: 'retry', at: 30, attempt: 2, agent: 'a2', reason: 'TASK_ERROR' },
      { from: 'pending', to: 'assigned', event: 'assign', at: 31, attempt: 3, agent: 'a1' },
      { from: 'assigned', to: 'succeeded', event: 'succeed', at: 40, attempt: 3, agent: 'a1' },
    ]);
  });

  it('an entry without an agent has no agent key', () => {
    const p: PartitionRecord = { index: 0, state: 'pending', attempt: 0 };
    transition(p, 'assign', 1);
    expect(p.history![0]).not.toHaveProperty('agent');
    expect(p.history![0]).not.toHaveProperty('reason');
  });
});
