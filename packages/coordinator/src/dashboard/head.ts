/**
 * The small parts of the dashboard, built on demand (at most four times a
 * second, once for every open page): the cluster header, the agents table,
 * the jobs list and the coordinator's health, from the view and the
 * cluster's live state, which is read and never written.
 */
import {
  clip,
  DASHBOARD_LIMITS,
  MAX_LENGTH,
  VERSION,
  type ClusterSummary,
  type CoordinatorHealth,
  type DashboardAgent,
  type DashboardHead,
  type HeartbeatThresholds,
} from '@cohort/shared';
import type { AgentSession } from '../agent-session.js';
import { agentsByState, slotsByMode } from '../metrics/cluster-gauges.js';
import type { AgentStats } from './agent-stats.js';
import { jobRows } from './job-rows.js';
import type { DashboardView } from './view.js';

/** What the head needs of the coordinator's settings. */
export interface HeadOptions {
  heartbeat: HeartbeatThresholds;
  /** With a journal: how many results of an unfinished job accepted by this run are durable. */
  durableCount?: ((jobId: string) => number) | undefined;
}

export function dashboardHead(view: DashboardView, options: HeadOptions, now: number): DashboardHead {
  const agents = agentRows(view, now);
  const jobs = jobRows(view, now);
  return { at: now, cluster: summary(view, now), agents, jobs, health: health(view, options), heartbeat: options.heartbeat };
}

function summary(view: DashboardView, now: number): ClusterSummary {
  const agents = agentsByState(view.cluster.agents.values());
  const slots = slotsByMode(view.cluster.agents.values());
  for (const a of view.agents.lostRows(DASHBOARD_LIMITS.agents)) agents[a.lostState ?? 'dead']++;
  let jobsRunning = 0;
  let jobsQueued = 0;
  for (const job of view.cluster.jobs.values()) {
    if (job.status === 'queued') jobsQueued++;
    else if (job.status === 'running' || job.status === 'merging') jobsRunning++;
  }
  return { agents, slots, rate: view.throughput.rate(now), jobsRunning, jobsQueued };
}

/** Live agents first (in the order they joined), then the most recently lost; DASHBOARD_LIMITS.agents at most. */
function agentRows(view: DashboardView, now: number): DashboardAgent[] {
  const rows: DashboardAgent[] = [];
  for (const s of view.cluster.agents.values()) {
    if (rows.length >= DASHBOARD_LIMITS.agents) return rows;
    rows.push(liveRow(s, view.agents.get(s.name), now));
  }
  for (const a of view.agents.lostRows(DASHBOARD_LIMITS.agents - rows.length)) rows.push(lostRow(a, now));
  return rows;
}

function liveRow(s: AgentSession, stats: AgentStats | undefined, now: number): DashboardAgent {
  if (stats && s.load) stats.load = s.load; // kept for its row once the agent is lost
  return {
    agentId: s.id,
    name: stats?.display ?? clip(s.name, MAX_LENGTH.agentName),
    host: clip(s.hardware.hostname, MAX_LENGTH.agentName),
    mode: s.mode,
    state: s.state,
    busy: busy(s),
    slots: s.slots,
    cpu: s.load ? fraction(s.load.cpuPercent) : null,
    memory: s.load ? fraction(s.load.memoryPercent) : null,
    heartbeatAgeMs: Math.max(0, now - s.lastSeen),
    done: stats?.done ?? s.accepted,
    failures: stats?.failures ?? s.failed,
    escalations: stats
      ? [...stats.escalations.values()]
      : [...s.escalated].map(([task, mode]) => ({ task: clip(task, 80), mode, reason: 'after a slot crash' })),
    lastError: stats?.lastError ?? null,
    joinedAt: s.joinedAt,
  };
}

function lostRow(a: AgentStats, now: number): DashboardAgent {
  return {
    agentId: a.agentId,
    name: a.display,
    host: a.host,
    mode: a.mode,
    state: a.lostState ?? 'dead',
    busy: 0,
    slots: a.slots,
    cpu: a.load ? fraction(a.load.cpuPercent) : null,
    memory: a.load ? fraction(a.load.memoryPercent) : null,
    heartbeatAgeMs: Math.max(0, now - a.lastSeen),
    done: a.done,
    failures: a.failures,
    escalations: [...a.escalations.values()],
    lastError: a.lastError,
    joinedAt: a.joinedAt,
    ...(a.lostAt !== undefined && { lostAt: a.lostAt }),
    ...(a.lostReason !== undefined && { lostReason: a.lostReason }),
  };
}

/** Partitions started on a slot now: at most its slots, so the count stops there. */
function busy(s: AgentSession): number {
  let n = 0;
  for (const p of s.held) if (p.state === 'running' && p.agent === s && ++n >= s.slots) break;
  return n;
}

function fraction(percent: number): number | null {
  return Number.isFinite(percent) ? Math.min(1, Math.max(0, percent / 100)) : null;
}

function health(view: DashboardView, options: HeadOptions): CoordinatorHealth {
  const journal = options.durableCount !== undefined;
  return {
    version: VERSION,
    startedAt: view.startedAt,
    journal,
    acknowledged: journal ? view.throughput.accepted - notYetDurable(view, options.durableCount!) : view.throughput.accepted,
    lastSyncAt: journal ? view.health.lastSyncAt : null,
    lastSyncMs: journal ? view.health.lastSyncMs : null,
    loopDelayMs: view.health.loopDelayMs,
    memoryBytes: process.memoryUsage.rss(),
  };
}

/** Results accepted by this run and not yet durable: in unfinished jobs only (a job's end is synced). */
function notYetDurable(view: DashboardView, durable: (jobId: string) => number): number {
  let n = 0;
  for (const job of view.cluster.jobs.values()) if (!job.finished) n += Math.max(0, job.done - job.recovered - durable(job.id));
  return n;
}
