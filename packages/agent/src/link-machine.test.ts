import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@cohort/shared';
import { LINK_STATES, LINK_TRANSITIONS, linkCarries, linkTransition, type LinkEvent, type LinkState } from './link-machine.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const LEGAL: Array<[LinkState, LinkEvent, LinkState]> = [
  ['connecting', 'open', 'handshaking'],
  ['connecting', 'closed', 'waiting'],
  ['connecting', 'drain', 'draining'],
  ['connecting', 'stop', 'stopped'],
  ['handshaking', 'welcome', 'ready'],
  ['handshaking', 'closed', 'waiting'],
  ['handshaking', 'drain', 'draining'],
  ['handshaking', 'stop', 'stopped'],
  ['ready', 'welcome', 'ready'],
  ['ready', 'closed', 'waiting'],
  ['ready', 'drain', 'draining'],
  ['ready', 'stop', 'stopped'],
  ['waiting', 'retry', 'connecting'],
  ['waiting', 'drain', 'draining'],
  ['waiting', 'stop', 'stopped'],
  ['draining', 'open', 'handshaking'],
  ['draining', 'welcome', 'ready'],
  ['draining', 'retry', 'connecting'],
  ['draining', 'closed', 'stopped'],
  ['draining', 'stop', 'stopped'],
];

describe('link state table', () => {
  it('makes every legal move, and the table holds nothing else', () => {
    for (const [from, event, to] of LEGAL) expect(linkTransition(from, event)).toBe(to);
    const moves = LINK_STATES.flatMap((s) => Object.keys(LINK_TRANSITIONS[s]).map((e) => `${s}:${e}`));
    expect(moves.sort()).toEqual(LEGAL.map(([s, e]) => `${s}:${e}`).sort());
  });

  it('refuses an illegal move with INVALID_TRANSITION, naming the state and event', () => {
    for (const [from, event] of [
      ['ready', 'open'],
      ['waiting', 'open'],
      ['connecting', 'retry'],
      ['ready', 'retry'],
      ['stopped', 'stop'],
      ['stopped', 'retry'],
    ] as Array<[LinkState, LinkEvent]>) {
      expect(codeOf(() => linkTransition(from, event))).toBe(ErrorCode.INVALID_TRANSITION);
    }
    let caught: unknown;
    try {
      linkTransition('waiting', 'welcome');
    } catch (err) {
      caught = err;
    }
    expect((caught as { details?: unknown }).details).toEqual({ state: 'waiting', event: 'welcome' });
  });

  it('stopped is final; frames go out only while ready or draining', () => {
    expect(LINK_TRANSITIONS.stopped).toEqual({});
    expect(LINK_STATES.filter(linkCarries)).toEqual(['ready', 'draining']);
  });
});
