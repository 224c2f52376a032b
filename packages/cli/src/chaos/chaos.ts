/**
 * `runChaos()`: jobs run one after another on a local cluster (a coordinator
 * with a state directory and three agents of mixed modes) while a seeded
 * schedule injects faults: agent kills and pauses, coordinator restarts, a
 * rogue agent forging results, slot crashes and poison partitions in
 * concurrent jobs. The invariant is checked for every job: it succeeds with
 * exactly the right answer, or fails with an allowed, stable code; and it
 * ends within a bound. The same seed gives the same schedule.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { JobReport } from '@cohort/shared';
import { deferred } from '@cohort/shared/internal';
import { startLocalCluster, type LocalCluster } from '../local-cluster.js';
import { runJob } from '../run-job.js';
import { ALLOWED_FAILURES, mainJob, poisonJob, slotCrashJob, type ChaosJob } from './catalogue.js';
import { FAULT_KINDS, inject, type FaultContext, type FaultKind } from './faults.js';
import { Rng } from '@cohort/shared/internal';

/** No job may take longer than this, faults included. */
export const JOB_BOUND_MS = 90_000;

export interface ChaosOptions {
  seed: number;
  /** Stop submitting new rounds after this long. */
  durationMs: number;
  say?(line: string): void;
  logDir?: string;
}

export interface JobOutcome {
  label: string;
  jobId: string | undefined;
  verdict: 'right' | 'failed-with-code' | 'wrong' | 'hung';
  code?: string;
  result?: unknown;
  expected?: unknown;
}

export interface ChaosReport {
  seed: number;
  durationMs: number;
  rounds: number;
  faults: Record<FaultKind | 'slot-crash' | 'poison', number>;
  jobs: { total: number; right: number; failedWithCode: number; wrong: number; hung: number };
  outcomes: JobOutcome[];
}

function judge(job: ChaosJob, jobId: string | undefined, report: JobReport | undefined, error: unknown): JobOutcome {
  const base = { label: job.label, jobId };
  if (!report) return { ...base, verdict: 'hung', code: (error as { code?: string })?.code ?? String(error) };
  if (job.mustFailWith) {
    if (report.status === 'failed' && report.error?.code === job.mustFailWith) return { ...base, verdict: 'failed-with-code', code: report.error.code };
    return { ...base, verdict: 'wrong', result: report.result, code: report.error?.code, expected: `failure ${job.mustFailWith}` };
  }
  if (report.status === 'succeeded') {
    return report.result === job.expected ? { ...base, verdict: 'right' } : { ...base, verdict: 'wrong', result: report.result, expected: job.expected };
  }
  const code = report.error?.code;
  return code && ALLOWED_FAILURES.has(code) ? { ...base, verdict: 'failed-with-code', code } : { ...base, verdict: 'wrong', code, expected: job.expected };
}

async function runOne(cluster: LocalCluster, job: ChaosJob, onId?: (id: string) => void): Promise<JobOutcome> {
  let jobId: string | undefined;
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), JOB_BOUND_MS);
  try {
    const run = runJob({
      url: cluster.url,
      token: cluster.token,
      tls: cluster.tls,
      task: job.task,
      input: job.input,
      partitions: job.partitions,
      ...(job.timeoutMs !== undefined && { timeoutMs: job.timeoutMs }),
      reattachTimeoutMs: 30_000,
      onProgress: (p) => {
        if (jobId !== undefined) return;
        jobId = p.jobId;
        onId?.(jobId);
      },
    });
    const hung = new Promise<never>((_, reject) => bound.signal.addEventListener('abort', () => reject(Object.assign(new Error('hung'), { code: 'HUNG' }))));
    const report = await Promise.race([run, hung]);
    return judge(job, jobId, report, undefined);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // runJob throws a coded error for a job that failed; a missing report is a hang or a lost job.
    return judge(job, jobId, undefined, code ?? err);
  } finally {
    clearTimeout(timer);
  }
}

/** One round: a main job with 1-3 faults at random moments, and sometimes a crashing or poison job beside it. */
async function round(ctx: FaultContext, report: ChaosReport): Promise<JobOutcome[]> {
  const { rng, cluster } = ctx;
  const main = mainJob(rng);
  const side: ChaosJob[] = [];
  if (rng.next() < 0.4) {
    side.push(slotCrashJob(rng));
    report.faults['slot-crash']++;
  }
  if (rng.next() < 0.2) {
    side.push(poisonJob(rng));
    report.faults.poison++;
  }
  const faults: Array<{ kind: FaultKind; atMs: number }> = [];
  for (let i = rng.int(1, 3); i > 0; i--) faults.push({ kind: pickFault(rng), atMs: rng.int(50, 1500) });
  const idKnown = deferred();
  const mainRun = runOne(cluster, main, (jobId) => {
    ctx.job = { jobId, partitions: main.partitions };
    idKnown.resolve();
  });
  const sideRuns = side.map((job) => runOne(cluster, job));
  await Promise.race([idKnown.promise, mainRun]);
  const injected = (async () => {
    for (const f of faults.sort((a, b) => a.atMs - b.atMs)) {
      await new Promise((r) => setTimeout(r, f.atMs));
      ctx.say(`  fault ${f.kind}`);
      await inject(f.kind, ctx).catch((err: Error) => ctx.say(`  fault ${f.kind} could not be injected: ${err.message}`));
      report.faults[f.kind]++;
    }
  })();
  const outcomes = await Promise.all([mainRun, ...sideRuns]);
  await injected;
  ctx.job = undefined;
  return outcomes;
}

function pickFault(rng: Rng): FaultKind {
  const r = rng.next();
  if (r < 0.35) return 'kill-agent';
  if (r < 0.65) return 'stop-agent';
  if (r < 0.9) return 'rogue-agent';
  return 'restart-coordinator';
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.say ?? (() => {});
  const logDir = options.logDir ?? mkdtempSync(join(os.tmpdir(), 'cohort-chaos-'));
  const stateDir = mkdtempSync(join(os.tmpdir(), 'cohort-chaos-state-'));
  const cluster = await startLocalCluster({
    agents: [
      { name: 'agent-1', mode: 'threads', slots: 2 },
      { name: 'agent-2', mode: 'processes', slots: 2 },
      { name: 'agent-3', mode: 'auto', slots: 2 },
    ],
    coordinatorArgs: ['--state-dir', stateDir],
    logDir,
  });
  const faults = Object.fromEntries([...FAULT_KINDS, 'slot-crash', 'poison'].map((k) => [k, 0])) as ChaosReport['faults'];
  const report: ChaosReport = {
    seed: options.seed,
    durationMs: 0,
    rounds: 0,
    faults,
    jobs: { total: 0, right: 0, failedWithCode: 0, wrong: 0, hung: 0 },
    outcomes: [],
  };
  let agentNo = 3;
  const ctx: FaultContext = { cluster, rng: new Rng(options.seed), job: undefined, say, nextName: () => `agent-${++agentNo}`, dead: new Set() };
  const started = Date.now();
  try {
    for (let i = 0; i < 100_000 && Date.now() - started < options.durationMs; i++) {
      report.rounds++;
      say(`round ${report.rounds}`);
      for (const o of await round(ctx, report)) {
        report.outcomes.push(o);
        report.jobs.total++;
        if (o.verdict === 'right') report.jobs.right++;
        else if (o.verdict === 'failed-with-code') report.jobs.failedWithCode++;
        else if (o.verdict === 'wrong') report.jobs.wrong++;
        else report.jobs.hung++;
        say(`  ${o.label} ${o.jobId ?? '?'}: ${o.verdict}${o.code ? ` ${o.code}` : ''}`);
      }
    }
  } finally {
    report.durationMs = Date.now() - started;
    await cluster.stop();
  }
  return report;
}
