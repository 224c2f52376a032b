/**
 * What the coordinator's three tables share (partition, job, agent
 * session): a table of legal moves, and the error an illegal move throws.
 * Model: dask's worker state machine (`_TRANSITIONS_TABLE`, `InvalidTransition`).
 */
import { CohortError, ErrorCode } from '@cohort/shared';

export type Table<S extends string, E extends string> = Readonly<Record<S, Partial<Record<E, S>>>>;

export class InvalidTransition extends CohortError {
  /** `subject` names what moved ("partition 7", "job j-1", "agent s-2"); `details` carry its evidence. */
  constructor(subject: string, state: string, event: string, details: Record<string, unknown>) {
    super(ErrorCode.INVALID_TRANSITION, `${subject}: no move '${event}' from '${state}'`, { details: { state, event, ...details } });
    this.name = 'InvalidTransition';
  }
}

/** The state `event` leads to from `state`, or undefined when the table has no such move. */
export function nextState<S extends string, E extends string>(table: Table<S, E>, state: S, event: E): S | undefined {
  return table[state][event];
}
