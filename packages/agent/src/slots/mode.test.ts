import { describe, expect, it } from 'vitest';
import { ModeBook, chooseMode } from './mode.js';

describe('chooseMode', () => {
  it('follows the agent mode, then the profile in auto', () => {
    expect(chooseMode('threads', 'process', true)).toEqual({ mode: 'thread', why: 'agent-threads' });
    expect(chooseMode('processes', 'thread', false)).toEqual({ mode: 'process', why: 'agent-processes' });
    expect(chooseMode('auto', 'thread', false)).toEqual({ mode: 'thread', why: 'profile-thread' });
    expect(chooseMode('auto', 'process', false)).toEqual({ mode: 'process', why: 'profile-process' });
    expect(chooseMode('auto', 'auto', false)).toEqual({ mode: 'thread', why: 'auto-cpu-pure' });
    expect(chooseMode('auto', 'thread', true)).toEqual({ mode: 'process', why: 'escalated-after-crash' });
  });

  it('in auto mode, a sharedInput task that leaves isolation to the agent runs on threads (profile-shared-input)', () => {
    expect(chooseMode('auto', 'auto', false, true)).toEqual({ mode: 'thread', why: 'profile-shared-input' });
    // An explicit isolation, another agent mode, or a crash on a thread all still win.
    expect(chooseMode('auto', 'process', false, true)).toEqual({ mode: 'process', why: 'profile-process' });
    expect(chooseMode('auto', 'thread', false, true)).toEqual({ mode: 'thread', why: 'profile-thread' });
    expect(chooseMode('processes', 'auto', false, true)).toEqual({ mode: 'process', why: 'agent-processes' });
    expect(chooseMode('auto', 'auto', true, true)).toEqual({ mode: 'process', why: 'escalated-after-crash' });
    const book = new ModeBook('auto');
    expect(book.choose('sum', 'auto', true)).toEqual({ mode: 'thread', why: 'profile-shared-input' });
    expect(book.choose('sum', 'auto')).toEqual({ mode: 'thread', why: 'auto-cpu-pure' });
  });

  it('escalates a task once, only in auto mode and only for a thread crash', () => {
    const book = new ModeBook('auto');
    expect(book.escalate('primes', 'process')).toBe(false);
    expect(book.escalate('primes', 'thread')).toBe(true);
    expect(book.escalate('primes', 'thread')).toBe(false);
    expect(book.choose('primes', 'thread')).toEqual({ mode: 'process', why: 'escalated-after-crash' });
    expect(book.choose('pi', 'auto')).toEqual({ mode: 'thread', why: 'auto-cpu-pure' });
    expect(new ModeBook('threads').escalate('primes', 'thread')).toBe(false);
  });
});
