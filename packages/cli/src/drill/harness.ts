/**
 * Shared machinery for drills: a cluster of single-slot agents on loopback,
 * and a result row from a baseline run with no fault and a run with the
 * fault (both watched runs: see ../watched-run.ts).
 */
import type { AgentMode } from '@cohort/shared';
import { startLocalCluster, type LocalCluster } from '../local-cluster.js';
import type { WatchedRun } from '../watched-run.js';
import type { DrillOptions, DrillResult } from './types.js';

export async function drillCluster(options: DrillOptions, mode: AgentMode, coordinatorArgs: string[] = [], label = 'drill'): Promise<LocalCluster> {
  const agents = Array.from({ length: options.agents }, (_, i) => ({ name: `${label}-agent-${i + 1}`, mode, slots: 1 }));
  return startLocalCluster({ agents, coordinatorArgs, logDir: options.logDir });
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
