/**
 * `cohort status`'s summary, built from GET /api/agents and GET /api/jobs
 * alone (it works against any coordinator with those routes): agents by
 * state, slots of live agents by their default mode, jobs by status.
 */
import { AGENT_STATES, JOB_STATUSES, type AgentInfo, type AgentState, type JobStatus, type JobSummary, type SlotMode } from '@cohort/shared';

export interface StatusSummary {
  agents: Record<AgentState, number>;
  /** Slots of live agents (not dead, not left), by how their agent runs tasks by default: `auto` and `threads` on threads. */
  slots: Record<SlotMode, number>;
  jobs: Record<JobStatus, number>;
  jobsRunning: number;
  jobsQueued: number;
}

/** Agents in these states are gone: their slots do not count. */
const GONE: ReadonlySet<AgentState> = new Set(['dead', 'left']);

export function isLive(agent: AgentInfo): boolean {
  return !GONE.has(agent.state);
}

export function statusSummary(agents: readonly AgentInfo[], jobs: readonly JobSummary[]): StatusSummary {
  const byState = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
  const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  const slots: Record<SlotMode, number> = { thread: 0, process: 0 };
  for (const a of agents) {
    if (a.state in byState) byState[a.state]++;
    if (isLive(a)) slots[a.mode === 'processes' ? 'process' : 'thread'] += a.slots;
  }
  for (const j of jobs) if (j.status in byStatus) byStatus[j.status]++;
  return { agents: byState, slots, jobs: byStatus, jobsRunning: byStatus.running + byStatus.merging, jobsQueued: byStatus.queued };
}

/** `3 ready, 1 dead`: the non-zero counts, in the order of `keys`; `none` when all are zero. */
export function counts<K extends string>(record: Record<K, number>, keys: readonly K[]): string {
  const parts = keys.filter((k) => record[k] > 0).map((k) => `${record[k]} ${k}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** The summary's lines, above the agents table. */
export function summaryText(s: StatusSummary): string {
  const finished = s.jobs.succeeded + s.jobs.failed + s.jobs.cancelled;
  return [
    `agents  ${counts(s.agents, AGENT_STATES)}`,
    `slots   ${s.slots.thread} on threads, ${s.slots.process} in processes`,
    `jobs    ${s.jobsRunning} running, ${s.jobsQueued} queued, ${finished} finished`,
  ].join('\n');
}
