/**
 * The fault drills. Each starts its own cluster of single-slot agents on
 * loopback, runs a baseline with no fault, runs the same job with the fault,
 * and reports detection, requeues, duplicates, slowdown against the capacity
 * prediction, and whether the answer was right.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@cohort/shared/internal';
import { predictedSlowdown } from '../capacity.js';
import { ApiClient } from '@cohort/sdk';
import type { LocalCluster } from '../local-cluster.js';
import { eventsOf, watchJob, watchWithFault, type FaultPoint, type JobSpec, type WatchedRun } from '../watched-run.js';
import { oddValue } from './odd-value-drill.js';
import { rogueAgent } from './rogue-agent-drill.js';
import { drillCluster, result } from './harness.js';
import type { DrillOptions, DrillResult } from './types.js';
import { corruptJournal } from './corrupt-journal.js';

/** Fixed-duration partitions make capacity exact: each slot does 1000/ms partitions a second. */
const SLEEP_MS = 100;
const FAULT_AT = 0.5;

function sleepJob(options: DrillOptions, perAgent = 10): JobSpec & { expected: number } {
  const partitions = options.agents * perAgent;
  return { task: 'sleep', input: { ms: SLEEP_MS }, partitions, expected: partitions * SLEEP_MS };
}

/** A drill body on a fresh cluster of single-slot agents, stopped at the end whatever happens. */
async function onCluster<T>(
  options: DrillOptions,
  label: string,
  body: (c: LocalCluster) => Promise<T>,
  mode: 'threads' | 'auto' = 'threads',
  coordinatorArgs: string[] = [],
): Promise<T> {
  const cluster = await drillCluster(options, mode, coordinatorArgs, label);
  try {
    return await body(cluster);
  } finally {
    await cluster.stop();
  }
}

/** The fault, once FAULT_AT of the job is done. */
const atHalf = (inject: FaultPoint['inject']): FaultPoint => ({ when: (p) => p.done >= FAULT_AT * p.total, inject });

const lostAgent = (run: Pick<WatchedRun, 'events'>, name: string) => eventsOf(run.events, 'agent-lost', name)[0];

export async function killAgent(options: DrillOptions): Promise<DrillResult> {
  return onCluster(options, 'kill', async (c) => {
    const job = sleepJob(options);
    const base = await watchJob(c, job);
    const victim = c.agents[c.agents.length - 1]!;
    const fault = watchWithFault(
      c,
      job,
      atHalf(() => victim.kill('SIGKILL')),
    );
    const run = await fault.run;
    const injectedAt = fault.injectedAt();
    const lost = lostAgent(run, victim.name);
    const n = options.agents;
    return result('kill-agent', `SIGKILL ${victim.name} (pid ${victim.pid}) at ${FAULT_AT * 100}%`, base, run, job.expected, {
      injectedAtMs: injectedAt - run.submittedAt,
      detectedMs: lost ? lost.at - injectedAt : null,
      predictedSlowdown: predictedSlowdown(FAULT_AT, n, n - 1),
      notes: [`agent lost by socket close; ${lost?.requeued ?? '?'} partitions requeued at once`],
    });
  });
}

/** Late results from the stale session may arrive after the job ended: wait for the re-join, then read the report again. */
async function afterRejoin(c: LocalCluster, name: string, run: WatchedRun): Promise<boolean> {
  const api = new ApiClient({ url: c.url, token: c.token, tls: c.tls });
  try {
    await waitFor(
      'the resumed agent to re-join',
      async () => {
        const agents = await api.agents();
        return agents.some((a) => a.name === name);
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    await sleep(500);
    run.report = await api.report(run.report.jobId);
    return true;
  } catch {
    return false; // reported as "did not re-join"
  }
}

export async function hangAgent(options: DrillOptions): Promise<DrillResult> {
  return onCluster(options, 'hang', async (c) => {
    const job = sleepJob(options, 16);
    const base = await watchJob(c, job);
    const victim = c.agents[c.agents.length - 1]!;
    const fault = watchWithFault(
      c,
      job,
      atHalf(() => victim.kill('SIGSTOP')),
    );
    // Resume the agent once it has been declared dead; it must re-join as a new session.
    const resume = (async () => {
      await fault.injected;
      await waitFor('the hung agent to be declared dead', () => lostAgent(fault, victim.name) !== undefined, { timeoutMs: 10_000 });
      victim.kill('SIGCONT');
      return Date.now();
    })();
    const run = await fault.run;
    const resumedAt = await resume;
    const injectedAt = fault.injectedAt();
    const lost = lostAgent(run, victim.name);
    const rejoined = await afterRejoin(c, victim.name, run);
    const n = options.agents;
    return result('hang-agent', `SIGSTOP ${victim.name} at ${FAULT_AT * 100}%, SIGCONT after ${resumedAt - injectedAt} ms`, base, run, job.expected, {
      injectedAtMs: injectedAt - run.submittedAt,
      detectedMs: lost ? lost.at - injectedAt : null,
      predictedSlowdown: predictedSlowdown(FAULT_AT, n, n - 1),
      notes: [
        `declared dead by missed heartbeats (reason ${lost?.reason ?? 'none'}), ${lost?.requeued ?? '?'} partitions requeued`,
        rejoined ? 're-joined as a new session after SIGCONT' : 'did not re-join within 10 s of SIGCONT',
        `late results from the stale session counted as duplicates: ${run.report.duplicates}`,
      ],
    });
  });
}

export async function crashSlot(options: DrillOptions): Promise<DrillResult> {
  return onCluster(
    options,
    'crash',
    async (c) => {
      const partitions = options.agents * 6;
      const crashing = [1, Math.floor(partitions / 2), partitions - 2];
      const base = await watchJob(c, { task: 'crash', input: { how: 'none' }, partitions });
      const run = await watchJob(c, { task: 'crash', input: { how: 'exit', partitions: crashing, attempts: 1 }, partitions });
      const escalations = run.events.filter((e) => e.kind === 'mode-escalated');
      const crashes = run.report.attempts - run.report.partitions;
      return result('crash-slot', `process.exit(3) in partitions ${crashing.join(', ')} on their first attempt`, base, run, partitions, {
        notes: [
          `${crashes} slot crashes, each retried (${run.report.requeued} requeued)`,
          `auto mode escalated the task to processes on ${escalations.length} agent(s)`,
          `modes: ${Object.entries(run.report.modeReasons)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        ],
      });
    },
    'auto',
  );
}

export async function poison(options: DrillOptions): Promise<DrillResult> {
  return onCluster(options, 'poison', async (c) => {
    const good = sleepJob(options, 4);
    const base = await watchJob(c, good);
    const bad = watchJob(c, { task: 'poison', input: { bad: [3] }, partitions: 8, maxAttempts: 3 });
    const run = await watchJob(c, good);
    const poisoned = await bad;
    const error = poisoned.report.error;
    const details = (error?.details ?? {}) as { partition?: number; attempts?: unknown[] };
    const failedRight = poisoned.report.status === 'failed' && error?.code === 'PARTITION_FAILED' && details.partition === 3 && details.attempts?.length === 3;
    const r = result('poison', 'partition 3 of a concurrent job throws on every attempt', base, run, good.expected, {
      notes: [
        `poisoned job: ${poisoned.report.status} with ${error?.code ?? 'no error'} naming partition ${details.partition} after ${details.attempts?.length ?? 0} attempts`,
        'the other job ran beside it and finished with the right answer',
      ],
    });
    return { ...r, correct: r.correct && failedRight };
  });
}

export async function straggler(options: DrillOptions): Promise<DrillResult> {
  return onCluster(options, 'straggler', async (c) => {
    const partitions = options.agents * 8;
    const slowMs = 5_000;
    const last = partitions - 1;
    const base = await watchJob(c, { task: 'slow', input: { ms: SLEEP_MS, slow: [], slowMs }, partitions });
    const run = await watchJob(c, { task: 'slow', input: { ms: SLEEP_MS, slow: [last], slowMs, slowAttempts: 1 }, partitions });
    const copy = eventsOf(run.events, 'speculative-copy')[0];
    const baselineMs = base.endedAt - base.submittedAt;
    return result('straggler', `partition ${last} is ${slowMs / SLEEP_MS}× slower on its first attempt (a slow node)`, base, run, partitions, {
      detectedMs: copy ? copy.runningMs : null,
      notes: [
        `speculative copies: ${run.report.speculative}; the first result won, the loser was cancelled`,
        `without speculation the job would take at least ${slowMs} ms (baseline ${baselineMs} ms)`,
      ],
    });
  });
}

export async function restartCoordinator(options: DrillOptions): Promise<DrillResult> {
  const stateDir = mkdtempSync(join(os.tmpdir(), 'cohort-drill-state-'));
  const { auditJournal } = await import('./journal-audit.js');
  return onCluster(
    options,
    'restart',
    async (c) => {
      const job = { task: 'sleep', input: { ms: 40 }, partitions: 200, expected: 200 * 40 };
      const base = await watchJob(c, job);
      let jobId = '';
      const fault = watchWithFault(
        c,
        job,
        atHalf((p) => {
          jobId = p.jobId;
          c.coordinator.kill('SIGKILL');
        }),
      );
      const restart = (async () => {
        await fault.injected;
        await c.coordinator.exited;
        const beforeRestart = await auditJournal(stateDir, jobId);
        await c.restartCoordinator();
        return { beforeRestart, restartedAt: Date.now() };
      })();
      const run = await fault.run;
      const { beforeRestart, restartedAt } = await restart;
      const injectedAt = fault.injectedAt();
      const audit = await auditJournal(stateDir, run.report.jobId);
      const r = result(
        'restart-coordinator',
        `SIGKILL the coordinator at ${FAULT_AT * 100}%, restart it on the same port and state directory`,
        base,
        run,
        job.expected,
        {
          injectedAtMs: injectedAt - run.submittedAt,
          detectedMs: restartedAt ? restartedAt - injectedAt : null,
          notes: [
            `journal: ${beforeRestart.accepted} results accepted before the kill; ${audit.accepted} in all for ${job.partitions} partitions; ${audit.duplicates} partitions accepted twice`,
            `after the restart: ${run.report.recovered} results reloaded, ${run.report.attempts} attempts for the ${job.partitions - run.report.recovered} partitions with no accepted result`,
            `agents reconnected by themselves; \`cohort run\` re-attached to ${run.report.jobId}`,
          ],
        },
      );
      const proven = audit.duplicates === 0 && audit.accepted === job.partitions && run.report.recovered === beforeRestart.accepted;
      return { ...r, correct: r.correct && proven };
    },
    'threads',
    ['--state-dir', stateDir],
  );
}

export type Scenario = (options: DrillOptions) => Promise<DrillResult>;

export const SCENARIOS: Record<string, Scenario> = {
  'kill-agent': killAgent,
  'hang-agent': hangAgent,
  'crash-slot': crashSlot,
  poison,
  straggler,
  'restart-coordinator': restartCoordinator,
  'corrupt-journal': corruptJournal,
  'rogue-agent': rogueAgent,
  'odd-value': oddValue,
};
