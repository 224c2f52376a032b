import { describe, expect, it } from 'vitest';
import { Sessions } from './sessions.js';

describe('Sessions', () => {
  it('knows the sessions it opened, and only those', () => {
    const s = new Sessions();
    const id = s.open();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.valid(id)).toBe(true);
    expect(s.valid(`${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(s.valid(undefined)).toBe(false);
    expect(s.valid('')).toBe(false);
    expect(s.valid('x'.repeat(100_000))).toBe(false);
  });

  it('gives every session its own random id', () => {
    const s = new Sessions();
    const ids = new Set(Array.from({ length: 200 }, () => s.open()));
    expect(ids.size).toBe(200);
  });

  it('expires a session ttlMs after it opened, and forgets it', () => {
    let now = 1000;
    const s = new Sessions({ ttlMs: 500, now: () => now });
    const id = s.open();
    now = 1499;
    expect(s.valid(id)).toBe(true);
    now = 1500;
    expect(s.valid(id)).toBe(false);
    expect(s.size).toBe(0);
  });

  it('keeps at most maxSessions, evicting the oldest first', () => {
    const s = new Sessions({ maxSessions: 3 });
    const [a, b, c, d] = [s.open(), s.open(), s.open(), s.open()];
    expect(s.size).toBe(3);
    expect(s.valid(a)).toBe(false);
    expect([b, c, d].every((id) => s.valid(id))).toBe(true);
  });

  it('closes a session', () => {
    const s = new Sessions();
    const id = s.open();
    s.close(id);
    expect(s.valid(id)).toBe(false);
  });
});
