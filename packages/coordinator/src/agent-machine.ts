/**
 * An agent session as the coordinator sees it, as a table. No I/O.
 *
 *   joining → ready ⇄ suspect → dead
 *   ready | suspect → draining → left
 *
 * `silence` fires after two missed heartbeats (no new work goes to a suspect
 * agent); `timeout` after the heartbeat timeout; `closed` when the socket
 * closes. A session never comes back from dead: a returning agent is a new
 * session.
 */
import type { AgentState } from '@cohort/shared';
import { InvalidTransition, nextState, type Table } from './machine.js';

export type { AgentState } from '@cohort/shared';
export type AgentEvent = 'welcome' | 'silence' | 'heard' | 'timeout' | 'closed' | 'drain';

export const AGENT_TRANSITIONS: Table<AgentState, AgentEvent> = {
  joining: { welcome: 'ready', closed: 'dead', timeout: 'dead' },
  ready: { silence: 'suspect', timeout: 'dead', closed: 'dead', drain: 'draining' },
  suspect: { heard: 'ready', timeout: 'dead', closed: 'dead', drain: 'draining' },
  draining: { closed: 'left', timeout: 'dead' },
  dead: {},
  left: {},
};

export function agentTransition(state: AgentState, event: AgentEvent, sessionId: string): AgentState {
  const to = nextState(AGENT_TRANSITIONS, state, event);
  if (to === undefined) throw new InvalidTransition(`agent ${sessionId}`, state, event, { sessionId });
  return to;
}

/** True in the states where an agent may be given new partitions. */
export function acceptsWork(state: AgentState): boolean {
  return state === 'ready';
}

/** True in the states where the agent still holds partitions we wait on. */
export function isLive(state: AgentState): boolean {
  return state === 'ready' || state === 'suspect' || state === 'draining';
}
