import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@cohort/shared';
import { AGENT_TRANSITIONS, acceptsWork, agentTransition, isLive, type AgentEvent, type AgentState } from './agent-machine.js';

const STATES: AgentState[] = ['joining', 'ready', 'suspect', 'draining', 'dead', 'left'];
const EVENTS: AgentEvent[] = ['welcome', 'silence', 'heard', 'timeout', 'closed', 'drain'];

const legal: Array<[AgentState, AgentEvent, AgentState]> = [];
const illegal: Array<[AgentState, AgentEvent]> = [];
for (const s of STATES) {
  for (const e of EVENTS) {
    const to = AGENT_TRANSITIONS[s][e];
    if (to) legal.push([s, e, to]);
    else illegal.push([s, e]);
  }
}

describe('agent machine', () => {
  it('has the designed table: joining → ready ⇄ suspect → dead, ready | suspect → draining → left', () => {
    expect(legal).toEqual([
      ['joining', 'welcome', 'ready'],
      ['joining', 'timeout', 'dead'],
      ['joining', 'closed', 'dead'],
      ['ready', 'silence', 'suspect'],
      ['ready', 'timeout', 'dead'],
      ['ready', 'closed', 'dead'],
      ['ready', 'drain', 'draining'],
      ['suspect', 'heard', 'ready'],
      ['suspect', 'timeout', 'dead'],
      ['suspect', 'closed', 'dead'],
      ['suspect', 'drain', 'draining'],
      ['draining', 'timeout', 'dead'],
      ['draining', 'closed', 'left'],
    ]);
  });

  it.each(legal)('%s --%s--> %s', (from, event, to) => {
    expect(agentTransition(from, event, 's1')).toBe(to);
  });

  it.each(illegal)('%s --%s--> throws INVALID_TRANSITION naming the session', (from, event) => {
    let caught: { code?: unknown; details?: Record<string, unknown> } | undefined;
    try {
      agentTransition(from, event, 's1');
    } catch (err) {
      caught = err as typeof caught;
    }
    expect(caught?.code).toBe(ErrorCode.INVALID_TRANSITION);
    expect(caught?.details).toEqual({ sessionId: 's1', state: from, event });
  });

  it('dead and left are final: a returning agent is a new session', () => {
    for (const e of EVENTS) {
      expect(AGENT_TRANSITIONS.dead[e]).toBeUndefined();
      expect(AGENT_TRANSITIONS.left[e]).toBeUndefined();
    }
  });

  it('only a ready agent accepts work', () => {
    expect(STATES.filter(acceptsWork)).toEqual(['ready']);
  });

  it('ready, suspect and draining agents are live (they hold partitions we wait on)', () => {
    expect(STATES.filter(isLive)).toEqual(['ready', 'suspect', 'draining']);
  });
});
