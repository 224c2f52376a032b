/**
 * The `rogue-agent` drill: while a job runs, an agent with a valid credential
 * joins, says it is draining (so it is given no work), and answers every
 * partition of the job with a wrong value, several attempt numbers deep. The
 * coordinator must accept none of it, expel the rogue with RESULT_NOT_ISSUED,
 * and finish the job with the right answer.
 */
import { CloseCode } from '@cohort/shared';
import { watchJob, watchWithFault } from '../watched-run.js';
import { drillCluster, result } from './harness.js';
import { startRogueAgent, type RogueAgent } from './rogue-agent.js';
import type { DrillOptions, DrillResult } from './types.js';

const SLEEP_MS = 50;

export async function rogueAgent(options: DrillOptions): Promise<DrillResult> {
  const c = await drillCluster(options, 'threads', [], 'rogue');
  try {
    const partitions = options.agents * 10;
    const job = { task: 'sleep', input: { ms: SLEEP_MS }, partitions };
    const expected = partitions * SLEEP_MS;
    const base = await watchJob(c, job);
    let expelledAt = 0;
    let closeCode = 0;
    let rogue: RogueAgent | undefined;
    const fault = watchWithFault(c, job, {
      when: () => true,
      inject: (p) => {
        rogue = startRogueAgent({
          url: c.url,
          token: c.token,
          tls: c.tls,
          name: 'rogue',
          drainFirst: true,
          forgeOthers: { jobId: p.jobId, partitions, attempts: 3 },
          forgedValue: -1,
        });
        void rogue.closed.then(({ code }) => {
          expelledAt = Date.now();
          closeCode = code;
        });
      },
    });
    const run = await fault.run;
    const injectedAt = fault.injectedAt();
    // The rogue is expelled within a frame or two; wait (bounded) in case the job ended first.
    if (rogue) await Promise.race([rogue.closed, new Promise((r) => setTimeout(r, 5000))]);
    rogue?.stop();
    const forged = rogue?.forged ?? 0;
    const expelled = closeCode === CloseCode.RESULT_NOT_ISSUED;
    const r = result('rogue-agent', `a rogue agent drains, then forges ${partitions} × 3 results with a wrong value`, base, run, expected, {
      injectedAtMs: injectedAt - run.submittedAt,
      detectedMs: expelled ? expelledAt - injectedAt : null,
      predictedSlowdown: 1,
      notes: [`${forged} forged results sent; none accepted; rogue closed with ${closeCode}${expelled ? ' (RESULT_NOT_ISSUED)' : ''}`],
    });
    return { ...r, correct: r.correct && expelled };
  } finally {
    await c.stop();
  }
}
