import { describe, expect, it } from 'vitest';
import { Heartbeat, type Clock, type HeartbeatLink } from './heartbeat.js';

/** A clock that moves only when the test says so; due timers fire in order. */
class FakeClock implements Clock {
  private t = 1_000;
  private timers = new Map<number, { ms: number; due: number; fn: () => void }>();
  private next = 1;

  now(): number {
    return this.t;
  }
  every(ms: number, fn: () => void): unknown {
    const id = this.next++;
    this.timers.set(id, { ms, due: this.t + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let first: [number, { ms: number; due: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].due <= end && (!first || entry[1].due < first[1].due)) first = entry;
      if (!first) break;
      this.t = first[1].due;
      first[1].due += first[1].ms;
      first[1].fn();
    }
    this.t = end;
  }
}

function setup() {
  const clock = new FakeClock();
  const beats: number[] = [];
  const stale: number[] = [];
  const link: HeartbeatLink = { beat: (seq) => beats.push(seq), stale: (ms) => stale.push(ms) };
  return { clock, beats, stale, hb: new Heartbeat(link, clock) };
}

describe('Heartbeat', () => {
  it('beats every interval while the coordinator is heard', () => {
    const { clock, beats, stale, hb } = setup();
    hb.start(500, 2000);
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      hb.received();
    }
    expect(beats).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stale).toEqual([]);
  });

  it('declares the link stale once silence passes the timeout, and stops beating', () => {
    const { clock, beats, stale, hb } = setup();
    hb.start(500, 2000);
    clock.advance(2000); // 4 beats, silent exactly 2000 ms: not yet stale
    expect(beats).toEqual([1, 2, 3, 4]);
    expect(stale).toEqual([]);
    clock.advance(500);
    expect(stale).toEqual([2500]);
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(beats).toEqual([1, 2, 3, 4]);
    expect(stale).toHaveLength(1);
  });

  it('hearing anything resets the silence', () => {
    const { clock, stale, hb } = setup();
    hb.start(500, 2000);
    clock.advance(1900);
    hb.received();
    clock.advance(1900);
    expect(stale).toEqual([]);
  });

  it('cancel stops it; start again keeps counting beats and forgets old silence', () => {
    const { clock, beats, stale, hb } = setup();
    hb.start(500, 2000);
    clock.advance(1000);
    hb.cancel();
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    hb.start(100, 1000);
    clock.advance(300);
    expect(beats).toEqual([1, 2, 3, 4, 5]);
    expect(stale).toEqual([]);
  });

  it('start twice leaves one timer', () => {
    const { clock, hb } = setup();
    hb.start(500, 2000);
    hb.start(500, 2000);
    expect(clock.pending).toBe(1);
  });
});
