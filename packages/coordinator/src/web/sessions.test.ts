import { describe, expect, it } from 'vitest';
import { Sessions } from './sessions.js';

/** Whether `id` names a live session ('' for one opened without a token counts). */
const live = (s: Sessions, id: string | undefined) => s.tokenOf(id) !== undefined;

describe('Sessions', () => {
  it('knows the sessions it opened, and only those', () => {
    const s = new Sessions();
    const id = s.open();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(live(s, id)).toBe(true);
    expect(live(s, `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(live(s, undefined)).toBe(false);
    expect(live(s, '')).toBe(false);
    expect(live(s, 'x'.repeat(100_000))).toBe(false);
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
    expect(live(s, id)).toBe(true);
    now = 1500;
    expect(live(s, id)).toBe(false);
    expect(s.size).toBe(0);
  });

  it('keeps at most maxSessions, evicting the oldest first', () => {
    const s = new Sessions({ maxSessions: 3 });
    const [a, b, c, d] = [s.open(), s.open(), s.open(), s.open()];
    expect(s.size).toBe(3);
    expect(live(s, a)).toBe(false);
    expect([b, c, d].every((id) => live(s, id))).toBe(true);
  });

  it('closes a session', () => {
    const s = new Sessions();
    const id = s.open();
    s.close(id);
    expect(live(s, id)).toBe(false);
  });
});
