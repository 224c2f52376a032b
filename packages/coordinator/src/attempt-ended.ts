/**
 * The `observe` effects of attempts that ended: built here so that the
 * cluster's code says only which attempt ended and how. No I/O.
 */
import type { AttemptOutcome, SlotMode } from '@cohort/shared';
import type { AgentSession } from './agent-session.js';
import type { Effects } from './effects.js';
import { startOf, type Partition } from './job.js';

export { startOf };

export interface AttemptEnd {
  agent: string;
  attempt: number;
  outcome: AttemptOutcome;
  startedAt: number;
  mode?: SlotMode | undefined;
  /** Slot time when the agent reported it; else the time since `startedAt`. */
  ms?: number;
  code?: string;
  message?: string;
}

export function attemptEnded(fx: Effects, p: Partition, end: AttemptEnd, now: number): void {
  fx.observe({
    kind: 'attempt',
    at: now,
    jobId: p.job.id,
    partition: p.index,
    attempt: end.attempt,
    agent: end.agent,
    mode: end.mode ?? 'unknown',
    startedAt: end.startedAt,
    ms: end.ms ?? Math.max(0, now - end.startedAt),
    outcome: end.outcome,
    ...(end.code !== undefined && { code: end.code }),
    ...(end.message !== undefined && { message: end.message }),
  });
}

/** The attempt number `s` (or an earlier session of its agent) was running of `p`: the current one, or an earlier one it still holds. */
export function attemptOf(p: Partition, s: AgentSession): number {
  if (p.agent === s) return p.attempt;
  if (p.earlier) for (let i = p.earlier.length - 1; i >= 0; i--) if (s.lineage.has(p.earlier[i]![1])) return p.earlier[i]![0];
  return 0;
}
