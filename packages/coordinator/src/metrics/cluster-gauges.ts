/**
 * The gauges read from the cluster at scrape time: agents by state, the
 * slots of live agents, and the partitions of live jobs by state. A scrape
 * walks the agents and the live jobs' in-flight sets (bounded by the
 * agents' windows), never a job's partitions.
 */
import { AGENT_STATES, type AgentState, type SlotMode } from '@cohort/shared';
import { isLive } from '../agent-machine.js';
import type { AgentSession } from '../agent-session.js';
import type { Job } from '../job.js';
import { inFlight } from '../report.js';

export const PARTITION_STATES = ['done', 'running', 'assigned', 'waiting'] as const;
export type PartitionGaugeState = (typeof PARTITION_STATES)[number];

/** Sessions the cluster knows, by state; every state is present, 0 included (lost sessions are forgotten, so dead and left read 0). */
export function agentsByState(agents: Iterable<Pick<AgentSession, 'state'>>): Record<AgentState, number> {
  const out = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
  for (const s of agents) out[s.state]++;
  return out;
}

/** Slots of live agents (agent-machine's isLive), by how their agents run tasks by default (auto runs threads); the dashboard's header counts them with this too. */
export function slotsByMode(agents: Iterable<Pick<AgentSession, 'state' | 'slots' | 'mode'>>): Record<SlotMode, number> {
  const out: Record<SlotMode, number> = { thread: 0, process: 0 };
  for (const s of agents) {
    if (isLive(s.state)) out[s.mode === 'processes' ? 'process' : 'thread'] += s.slots;
  }
  return out;
}

/** Partitions of the jobs not yet finished, by state. */
export function partitionsByState(jobs: Iterable<Job>): Record<PartitionGaugeState, number> {
  const out: Record<PartitionGaugeState, number> = { done: 0, running: 0, assigned: 0, waiting: 0 };
  for (const job of jobs) {
    if (job.finished) continue;
    const { running, assigned } = inFlight(job);
    out.done += job.done;
    out.running += running;
    out.assigned += assigned;
    out.waiting += job.total - job.done - running - assigned;
  }
  return out;
}
