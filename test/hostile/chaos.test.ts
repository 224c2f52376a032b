/**
 * Issue 8, the chaos test: a short seeded run of `cohort chaos` in npm test.
 * Jobs with known answers run while agents are SIGKILLed and SIGSTOPped, the
 * coordinator is SIGKILLed and restarted on its journal, a rogue agent forges
 * results, slots crash and a poison job fails beside them. The invariant: no
 * job succeeds with a wrong answer, and none hangs. `npm run soak` runs the
 * same for ten minutes. Set CHAOS_SEED to replay a schedule.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '@cohort/cli';

const SEED = Number(process.env.CHAOS_SEED ?? 20261125);

describe('chaos', () => {
  it(`gives no wrong answer and no hang under a seeded fault schedule (seed ${SEED})`, async () => {
    const report = await runChaos({ seed: SEED, durationMs: 14_000 });
    const injected = Object.values(report.faults).reduce((a, b) => a + b, 0);
    const why = `seed ${SEED}: ${JSON.stringify(report.outcomes.filter((o) => o.verdict === 'wrong' || o.verdict === 'hung'))}`;
    expect(report.jobs.wrong, why).toBe(0);
    expect(report.jobs.hung, why).toBe(0);
    expect(injected, why).toBeGreaterThan(3);
    expect(report.jobs.right, why).toBeGreaterThan(0);
    expect(report.jobs.total).toBe(report.jobs.right + report.jobs.failedWithCode);
  }, 120_000);
});
