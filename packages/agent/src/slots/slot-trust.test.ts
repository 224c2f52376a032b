/**
 * What a slot trusts and holds: it loads user tasks only from the directories
 * the agent passed (anything else is UNKNOWN_TASK, in both modes), and it
 * starts with no Cohort secret in its environment even when the agent's
 * environment has one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type AgentMode } from '@cohort/shared';
import { fixtureTask, work } from './fixtures/recorder.js';
import { PoolHarness } from './fixtures/pools.js';

const harness = new PoolHarness(1);
afterEach(() => harness.stopAll());

const SECRETS = {
  COHORT_TOKEN: 'slot-test-token',
  COHORT_AGENT_TOKEN: 'slot-test-agent',
  COHORT_CLIENT_TOKEN: 'slot-test-client',
  COHORT_X_TOKEN_FILE: 'slot-test-file',
};
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [name, value] of Object.entries(SECRETS)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  process.env.COHORT_SLOT_TEST_PLAIN = 'kept';
});
afterAll(() => {
  for (const name of Object.keys(SECRETS)) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  delete process.env.COHORT_SLOT_TEST_PLAIN;
});

describe.each([['threads'], ['processes']] as Array<[AgentMode]>)('slots in %s mode', (mode) => {
  it('refuse a task outside their trusted directories with UNKNOWN_TASK, without loading it', async () => {
    const { pool, rec } = await harness.start(mode, { tasksDirs: [] });
    pool.submit(work('j1', fixtureTask('noop'), [1, 2]));
    pool.submit(work('j2', '/etc/hostname', [1]));
    await rec.resultsFor('j1', 2);
    await rec.resultsFor('j2', 1);
    for (const r of rec.results) expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.UNKNOWN_TASK } });
  });

  it('load a task from a trusted directory', async () => {
    const { pool, rec } = await harness.start(mode);
    pool.submit(work('j1', fixtureTask('noop'), [7]));
    await rec.resultsFor('j1', 1);
    expect(rec.result('j1', 0)).toMatchObject({ ok: true, value: 7 });
  });

  it('start without any COHORT_…TOKEN… variable, keeping the others', async () => {
    const { pool, rec } = await harness.start(mode);
    pool.submit(work('j1', fixtureTask('env'), [0]));
    await rec.resultsFor('j1', 1);
    const seen = rec.result('j1', 0);
    expect(seen?.ok).toBe(true);
    const entries = (seen as { value: Array<[string, string]> }).value;
    expect(entries).toContainEqual(['COHORT_SLOT_TEST_PLAIN', 'kept']);
    expect(entries.filter(([name]) => /TOKEN/i.test(name))).toEqual([]);
    expect(JSON.stringify(entries)).not.toContain('slot-test-');
  });
});
