import { describe, expect, it } from 'vitest';
import { RETIRED_SESSIONS } from './lineage.js';
import { MAX_OWED_JOBS, OwedReleases } from './shared-releases.js';

describe('OwedReleases', () => {
  it('gives the jobs owed to a lineage once, and stays bounded in sessions and in jobs per session', () => {
    const owed = new OwedReleases();
    for (let i = 0; i < MAX_OWED_JOBS + 5; i++) owed.owe('s1', `j${i}`);
    const taken = owed.take(['s0', 's1', 's2']);
    expect(taken).toHaveLength(MAX_OWED_JOBS);
    expect(taken[0]).toBe('j5');
    expect(owed.take(['s1'])).toEqual([]);
    for (let i = 0; i < RETIRED_SESSIONS + 3; i++) owed.owe(`s${i}`, 'j');
    expect(owed.size).toBe(RETIRED_SESSIONS);
    expect(owed.take(['s0'])).toEqual([]);
    expect(owed.take([`s${RETIRED_SESSIONS + 2}`])).toEqual(['j']);
  });
});
