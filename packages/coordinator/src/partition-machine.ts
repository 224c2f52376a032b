/**
 * The partition state machine, as a table. No I/O: `transition()` checks the
 * move against the table, records it in the partition's history and returns
 * the new state; an illegal move throws INVALID_TRANSITION with the history.
 *
 *   pending → assigned → running → succeeded | failed
 *   assigned | running → pending   (lost: agent dead, timeout, retry, speculation)
 *
 * A result may also arrive for a partition that is pending again (a late
 * result from an agent declared dead, or the original of a speculative copy).
 * `run` is deterministic, so the first result accepted is correct whichever
 * attempt produced it: `succeed` is legal from pending, assigned and running.
 */
import { InvalidTransition, nextState, type Table } from './machine.js';

export { InvalidTransition } from './machine.js';

export type PartitionState = 'pending' | 'assigned' | 'running' | 'succeeded' | 'failed';
export type PartitionEvent = 'assign' | 'start' | 'succeed' | 'lost' | 'retry' | 'fail';

export const PARTITION_TRANSITIONS: Table<PartitionState, PartitionEvent> = {
  pending: { assign: 'assigned', succeed: 'succeeded', fail: 'failed' },
  assigned: { start: 'running', succeed: 'succeeded', lost: 'pending', retry: 'pending', fail: 'failed' },
  running: { succeed: 'succeeded', lost: 'pending', retry: 'pending', fail: 'failed' },
  succeeded: {},
  failed: {},
};

export interface Transition {
  from: PartitionState;
  to: PartitionState;
  event: PartitionEvent;
  at: number;
  attempt: number;
  agent?: string;
  reason?: string;
}

/** The fields of a partition the machine reads and writes. */
export interface PartitionRecord {
  readonly index: number;
  state: PartitionState;
  attempt: number;
  /** Transitions after creation; absent until the first move, so a million queued partitions cost nothing here. */
  history?: Transition[];
}

function invalid(p: PartitionRecord, event: PartitionEvent): InvalidTransition {
  return new InvalidTransition(`partition ${p.index}`, p.state, event, { partition: p.index, attempt: p.attempt, history: p.history ?? [] });
}

export function canTransition(state: PartitionState, event: PartitionEvent): boolean {
  return PARTITION_TRANSITIONS[state][event] !== undefined;
}

export function transition(p: PartitionRecord, event: PartitionEvent, at: number, agent?: string, reason?: string): PartitionState {
  const to = nextState(PARTITION_TRANSITIONS, p.state, event);
  if (to === undefined) throw invalid(p, event);
  const entry: Transition = { from: p.state, to, event, at, attempt: p.attempt };
  if (agent !== undefined) entry.agent = agent;
  if (reason !== undefined) entry.reason = reason;
  (p.history ??= []).push(entry);
  p.state = to;
  return to;
}
