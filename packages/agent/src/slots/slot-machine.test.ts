import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, SLOT_TRANSITIONS, SlotMachine, type SlotEvent } from './slot-machine.js';

const feed = (machine: SlotMachine, events: SlotEvent[]) => events.map((e) => machine.apply(e));

describe('SlotMachine', () => {
  it('runs the happy path and returns the commands of each move', () => {
    const m = new SlotMachine('t1');
    expect(feed(m, ['start', 'started', 'dispatch', 'done', 'dispatch', 'done', 'stop', 'exit'])).toEqual([
      ['spawn'],
      ['announce-ready'],
      ['send-batch'],
      ['announce-ready'],
      ['send-batch'],
      ['announce-ready'],
      ['terminate'],
      ['report-stopped'],
    ]);
    expect(m.state).toBe('stopped');
    expect(m.history.map((t) => `${t.from}>${t.to}`)).toEqual([
      'idle>starting',
      'starting>ready',
      'ready>busy',
      'busy>ready',
      'ready>busy',
      'busy>ready',
      'ready>stopping',
      'stopping>stopped',
    ]);
  });

  it('an exit nobody asked for, while busy or ready, is a crash', () => {
    const busy = new SlotMachine('t1');
    feed(busy, ['start', 'started', 'dispatch']);
    expect(busy.apply('exit')).toEqual(['report-crash']);
    expect(busy.state).toBe('crashed');

    const ready = new SlotMachine('t2');
    feed(ready, ['start', 'started']);
    expect(ready.apply('exit')).toEqual(['report-crash']);
    expect(ready.state).toBe('crashed');
  });

  it('a failed start terminates and reports; the exit that follows changes nothing', () => {
    const m = new SlotMachine('p1');
    feed(m, ['start']);
    expect(m.apply('start_error')).toEqual(['terminate', 'report-start-failure']);
    expect(m.apply('exit')).toEqual([]);
    expect(m.state).toBe('start_failed');
  });

  it('an exit while starting is a failed start', () => {
    const m = new SlotMachine('p1');
    feed(m, ['start']);
    expect(m.apply('exit')).toEqual(['report-start-failure']);
    expect(m.state).toBe('start_failed');
  });

  it('a batch finishing after SIGTERM is ignored, and stop is idempotent', () => {
    const m = new SlotMachine('t1');
    feed(m, ['start', 'started', 'dispatch', 'stop']);
    expect(m.apply('done')).toEqual([]);
    expect(m.apply('stop')).toEqual([]);
    expect(m.apply('exit')).toEqual(['report-stopped']);
    expect(m.apply('stop')).toEqual([]);
  });

  it('stopping a slot that never started needs no runtime', () => {
    const m = new SlotMachine('t1');
    expect(m.apply('stop')).toEqual(['report-stopped']);
    expect(m.state).toBe('stopped');
  });

  it('an illegal move throws INVALID_TRANSITION with the history', () => {
    const m = new SlotMachine('t9');
    feed(m, ['start', 'started']);
    let caught: unknown;
    try {
      m.apply('done');
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: {
        slotId: 't9',
        state: 'ready',
        event: 'done',
        history: [
          { from: 'idle', to: 'starting' },
          { from: 'starting', to: 'ready' },
        ],
      },
    });
    expect(m.state).toBe('ready');
  });

  it('no way out of a terminal state except the no-op stop', () => {
    for (const terminal of ['stopped', 'crashed'] as const) {
      expect(Object.keys(SLOT_TRANSITIONS[terminal])).toEqual(['stop']);
    }
    const m = new SlotMachine('t1');
    feed(m, ['start', 'started', 'exit']);
    for (const e of ['start', 'started', 'dispatch', 'done', 'exit'] as const) expect(() => m.apply(e)).toThrow();
  });

  it('keeps a bounded history', () => {
    const m = new SlotMachine('t1');
    feed(m, ['start', 'started']);
    for (let i = 0; i < 100; i++) feed(m, ['dispatch', 'done']);
    expect(m.history).toHaveLength(HISTORY_LIMIT);
  });
});
