import { describe, expect, it } from 'vitest';
import { ModeBook, chooseMode } from './mode.js';
import { Deque } from './deque.js';

describe('chooseMode', () => {
  it('follows the agent mode, then the profile in auto', () => {
    expect(chooseMode('threads', 'process', true)).toEqual({ mode: 'thread', why: 'agent-threads' });
    expect(chooseMode('processes', 'thread', false)).toEqual({ mode: 'process', why: 'agent-processes' });
    expect(chooseMode('auto', 'thread', false)).toEqual({ mode: 'thread', why: 'profile-thread' });
    expect(chooseMode('auto', 'process', false)).toEqual({ mode: 'process', why: 'profile-process' });
    expect(chooseMode('auto', 'auto', false)).toEqual({ mode: 'thread', why: 'auto-cpu-pure' });
    expect(chooseMode('auto', 'thread', true)).toEqual({ mode: 'process', why: 'escalated-after-crash' });
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

describe('Deque', () => {
  it('pushes, shifts and unshifts across growth and wrap-around', () => {
    const q = new Deque<number>(4);
    for (let i = 0; i < 10; i++) q.push(i);
    expect(q.shift()).toBe(0);
    expect(q.shift()).toBe(1);
    q.unshiftAll([-2, -1]);
    for (let i = 10; i < 40; i++) q.push(i);
    expect(q.length).toBe(40);
    expect(q.peek()).toBe(-2);
    const all = q.clear();
    expect(all).toEqual([-2, -1, ...Array.from({ length: 38 }, (_, i) => i + 2)]);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('filters in place, keeping order, and returns what it removed', () => {
    const q = new Deque<number>();
    for (let i = 0; i < 20; i++) q.push(i);
    expect(q.filter((n) => n % 3 !== 0)).toEqual([0, 3, 6, 9, 12, 15, 18]);
    expect(q.clear()).toEqual([1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19]);
  });
});
