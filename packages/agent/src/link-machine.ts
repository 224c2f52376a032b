/**
 * The agent's link to its coordinator, as a table. No I/O: `Link` feeds it
 * events and logs every move it makes.
 *
 *   connecting → handshaking → ready → (closed) → waiting → (retry) → connecting …
 *   any live state → draining → (closed) → stopped;   any → stopped
 *
 * A drain begun before the handshake ends is overtaken by it (only a ready
 * link tells the coordinator it is draining), as before this table existed.
 * A fatal refusal (wrong token, protocol mismatch) is a `stop`.
 */
import { CohortError, ErrorCode } from '@cohort/shared';

export const LINK_STATES = ['connecting', 'handshaking', 'ready', 'waiting', 'draining', 'stopped'] as const;
export type LinkState = (typeof LINK_STATES)[number];
export type LinkEvent = 'open' | 'welcome' | 'closed' | 'retry' | 'drain' | 'stop';

export const LINK_TRANSITIONS: Readonly<Record<LinkState, Partial<Record<LinkEvent, LinkState>>>> = {
  connecting: { open: 'handshaking', closed: 'waiting', drain: 'draining', stop: 'stopped' },
  handshaking: { welcome: 'ready', closed: 'waiting', drain: 'draining', stop: 'stopped' },
  // A second welcome on a ready link refreshes its parameters, as it always has.
  ready: { welcome: 'ready', closed: 'waiting', drain: 'draining', stop: 'stopped' },
  waiting: { retry: 'connecting', drain: 'draining', stop: 'stopped' },
  draining: { open: 'handshaking', welcome: 'ready', retry: 'connecting', closed: 'stopped', stop: 'stopped' },
  stopped: {},
};

export function linkTransition(state: LinkState, event: LinkEvent): LinkState {
  const to = LINK_TRANSITIONS[state][event];
  if (to === undefined) {
    throw new CohortError(ErrorCode.INVALID_TRANSITION, `agent link: no move '${event}' from '${state}'`, { details: { state, event } });
  }
  return to;
}

/** True where frames may go out (the handshake is done, or the link is draining). */
export function linkCarries(state: LinkState): boolean {
  return state === 'ready' || state === 'draining';
}
