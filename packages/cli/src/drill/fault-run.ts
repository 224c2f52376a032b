/**
 * Shared machinery for drills: a cluster of single-slot agents on loopback,
 * a baseline run with no fault, then a run with the fault, timing both and
 * watching the coordinator's cluster events.
 */
import type { AgentMode, ClusterEvent, JobReport } from '@cohort/shared';
import { startLocalCluster, type LocalCluster } from '../local-cluster.js';
import { runJob, type JobProgress } from '../run-job.js';
import type { DrillOptions, DrillResult } from './types.js';

export interface JobSpec {
  task: string;
  input: unknown;
  partitions: number;
  maxAttempts?: number;
}

export interface WatchedRun {
  report: JobReport;
  submittedAt: number;
  endedAt: number;
  events: ReceivedEvent[];
}

/** A cluster event, stamped with when the drill received it. */
export type ReceivedEvent = ClusterEvent & { receivedAt: number };
export type EventOf<K extends ClusterEvent['kind']> = Extract<ReceivedEvent, { kind: K }>;

/** The events of one kind (about agent `agent`, when given), typed as that kind. */
export function eventsOf<K extends ClusterEvent['kind']>(events: readonly ReceivedEvent[], kind: K, agent?: string): Array<EventOf<K>> {
  return events.filter((e): e is EventOf<K> => e.kind === kind && (agent === undefined || e.agent === agent));
}

export async function drillCluster(options: DrillOptions, mode: AgentMode, coordinatorArgs: string[] = [], label = 'drill'): Promise<LocalCluster> {
  const agents = Array.from({ length: options.agents }, (_, i) => ({ name: `${label}-agent-${i + 1}`, mode, slots: 1 }));
  return startLocalCluster({ agents, coordinatorArgs, logDir: options.logDir });
}

/** Run a job to its end, calling `onProgress` with each progress event (the place to inject a fault). */
export async function watchedRun(
  cluster: LocalCluster,
  spec: JobSpec,
  onProgress: (p: JobProgress, run: { submittedAt: number }) => void = () => {},
  /** Cluster events land here as they arrive, so a scenario can wait on them mid-run. */
  events: WatchedRun['events'] = [],
): Promise<WatchedRun> {
  const state = { submittedAt: Date.now() };
  const report = await runJob({
    url: cluster.url,
    token: cluster.token,
    task: spec.task,
    input: spec.input,
    partitions: spec.partitions,
    ...(spec.maxAttempts !== undefined && { maxAttempts: spec.maxAttempts }),
    reattachTimeoutMs: 30_000,
    onSubmitted: () => (state.submittedAt = Date.now()),
    onProgress: (p) => onProgress(p, state),
    onCluster: (e) => events.push({ ...e, receivedAt: Date.now() }),
  });
  return { report, submittedAt: state.submittedAt, endedAt: Date.now(), events };
}

/**
 * Lost capacity's prediction for the job time, relative to the baseline: the
 * part of the work done before the fault at full capacity, the rest at the
 * capacity left. Losing 1 of N slots at fraction f: f + (1 − f)·N/(N − 1).
 */
export function predictedSlowdown(fractionDone: number, slotsBefore: number, slotsAfter: number): number {
  return fractionDone + ((1 - fractionDone) * slotsBefore) / slotsAfter;
}

/** Wait until `check` is true, polling every 20 ms, for at most `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`drill: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function untilAsync(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`drill: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A drill's result row from its baseline and faulted runs; `extra` overrides any field. */
export function result(
  scenario: string,
  fault: string,
  base: WatchedRun,
  run: WatchedRun,
  expected: unknown,
  extra: Partial<DrillResult> & { correct?: boolean },
): DrillResult {
  const jobMs = run.endedAt - run.submittedAt;
  const baselineMs = base.endedAt - base.submittedAt;
  return {
    scenario,
    fault,
    injectedAtMs: null,
    detectedMs: null,
    requeued: run.report.requeued,
    duplicates: run.report.duplicates,
    attempts: run.report.attempts,
    partitions: run.report.partitions,
    jobMs,
    baselineMs,
    slowdown: jobMs / baselineMs,
    predictedSlowdown: null,
    correct: run.report.status === 'succeeded' && run.report.result === expected,
    expected,
    result: run.report.result,
    notes: [],
    ...extra,
  };
}
