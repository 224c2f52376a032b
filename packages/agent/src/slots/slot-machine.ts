/**
 * The lifecycle of one slot, as a table. Events go in, commands come out; no
 * I/O here. The slot (slot.ts) carries out the commands.
 *
 *   idle ─start→ starting ─started→ ready ─dispatch→ busy ─done→ ready …
 *   starting ─start_error | exit→ start_failed
 *   ready | busy ─stop→ stopping ─exit→ stopped
 *   ready | busy ─exit→ crashed          (an exit nobody asked for)
 */
import { CohortError, ErrorCode } from '@cohort/shared';

export type SlotState = 'idle' | 'starting' | 'ready' | 'busy' | 'stopping' | 'stopped' | 'start_failed' | 'crashed';
export type SlotEvent = 'start' | 'started' | 'start_error' | 'dispatch' | 'done' | 'stop' | 'exit';
export type SlotCommand =
  | 'spawn' // create the thread or process
  | 'announce-ready' // tell the pool the slot can take work
  | 'send-batch' // post the batch to the slot
  | 'terminate' // SIGTERM / worker.terminate(), then SIGKILL after STOP_TIMEOUT_MS
  | 'report-start-failure'
  | 'report-crash' // evidence, blame the running partition, requeue the rest
  | 'report-stopped';

interface Move {
  to: SlotState;
  commands: readonly SlotCommand[];
}

const NONE: readonly SlotCommand[] = [];

/** Every legal move. Anything not listed throws INVALID_TRANSITION. */
export const SLOT_TRANSITIONS: Readonly<Record<SlotState, Partial<Record<SlotEvent, Move>>>> = {
  idle: {
    start: { to: 'starting', commands: ['spawn'] },
    stop: { to: 'stopped', commands: ['report-stopped'] },
  },
  starting: {
    started: { to: 'ready', commands: ['announce-ready'] },
    start_error: { to: 'start_failed', commands: ['terminate', 'report-start-failure'] },
    exit: { to: 'start_failed', commands: ['report-start-failure'] },
  },
  ready: {
    dispatch: { to: 'busy', commands: ['send-batch'] },
    stop: { to: 'stopping', commands: ['terminate'] },
    exit: { to: 'crashed', commands: ['report-crash'] },
  },
  busy: {
    done: { to: 'ready', commands: ['announce-ready'] },
    stop: { to: 'stopping', commands: ['terminate'] },
    exit: { to: 'crashed', commands: ['report-crash'] },
  },
  stopping: {
    // A batch can finish between our SIGTERM and the exit; nothing to do.
    done: { to: 'stopping', commands: NONE },
    stop: { to: 'stopping', commands: NONE },
    exit: { to: 'stopped', commands: ['report-stopped'] },
  },
  stopped: { stop: { to: 'stopped', commands: NONE } },
  start_failed: {
    stop: { to: 'start_failed', commands: NONE },
    // The terminate command of start_error produces this exit.
    exit: { to: 'start_failed', commands: NONE },
  },
  crashed: { stop: { to: 'crashed', commands: NONE } },
};

export interface SlotTransition {
  from: SlotState;
  event: SlotEvent;
  to: SlotState;
  at: number;
}

/** How many transitions a machine remembers; a long-lived slot goes ready ↔ busy millions of times. */
export const HISTORY_LIMIT = 32;

export class SlotMachine {
  private current: SlotState = 'idle';
  private readonly log: SlotTransition[] = [];

  constructor(
    readonly slotId: string,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): SlotState {
    return this.current;
  }

  /** The latest transitions, oldest first (at most HISTORY_LIMIT). */
  get history(): readonly SlotTransition[] {
    return this.log;
  }

  /** Apply `event`; returns the commands to carry out. Throws INVALID_TRANSITION for a move the table lacks. */
  apply(event: SlotEvent): readonly SlotCommand[] {
    const from = this.current;
    const move = SLOT_TRANSITIONS[from][event];
    if (!move) {
      throw new CohortError(ErrorCode.INVALID_TRANSITION, `slot ${this.slotId}: no transition from ${from} on ${event}`, {
        details: { slotId: this.slotId, state: from, event, history: this.log.slice() },
      });
    }
    this.current = move.to;
    if (this.log.length === HISTORY_LIMIT) this.log.shift();
    this.log.push({ from, event, to: move.to, at: this.now() });
    return move.commands;
  }

  can(event: SlotEvent): boolean {
    return SLOT_TRANSITIONS[this.current][event] !== undefined;
  }
}
