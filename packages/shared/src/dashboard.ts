/**
 * What the dashboard, `cohort status` and `cohort logs` read: the live
 * view of the cluster, built on the coordinator (coordinator/src/dashboard/)
 * and sent on `GET /api/dashboard/events`. Every list in it is bounded on
 * the server, so a job of a million partitions costs the page what a job
 * of ten does.
 *
 * The stream sends a `snapshot` first (every ring in full), then an
 * `update` at most every `DASHBOARD_UPDATE_MS` carrying the small parts in
 * full and only what the rings gained since the previous update.
 */
import type { AgentMode, SlotMode } from './protocol.js';
import type { AgentState, JobStatus } from './api.js';

/** At most 4 updates a second. */
export const DASHBOARD_UPDATE_MS = 250;
/** The bounds of the rings and lists; the server never sends more. */
export const DASHBOARD_LIMITS = {
  /** Agents in the table (live ones first, then the most recently lost). */
  agents: 200,
  /** Jobs in the list (running and queued first, then the most recently finished). */
  jobs: 50,
  /** Bars in the task stream. */
  bars: 600,
  /** Items in the event feed, and in one job's log. */
  feed: 200,
  /** Throughput samples, two a second: ten minutes. */
  throughput: 1200,
  /** Blocks in a job's partition grid: a large job's partitions are aggregated into blocks. */
  gridBlocks: 1024,
} as const;

/** Panel 1: the cluster header. */
export interface ClusterSummary {
  agents: Record<AgentState, number>;
  /** Slots of live agents, by how their agents run tasks by default. */
  slots: Record<SlotMode, number>;
  /** Partitions accepted per second, over the last second or two. */
  rate: number;
  jobsRunning: number;
  jobsQueued: number;
}

/** Panel 2: one row of the agents table. */
export interface DashboardAgent {
  agentId: string;
  name: string;
  host: string;
  mode: AgentMode;
  state: AgentState;
  /** Partitions started on a slot now. */
  busy: number;
  slots: number;
  /** From the agent's last load report, 0..1; null before the first. */
  cpu: number | null;
  /** Used memory, 0..1, from the last load report; null before the first. */
  memory: number | null;
  /** Since the agent was last heard from. The page colours it against the two thresholds below. */
  heartbeatAgeMs: number;
  done: number;
  failures: number;
  /** Tasks this agent runs in processes after a crash, with the reason in plain words. */
  escalations: Array<{ task: string; mode: SlotMode; reason: string }>;
  lastError: { code: string; message: string; at: number } | null;
  /** When it joined; and for a lost agent, when and why. */
  joinedAt: number;
  lostAt?: number;
  lostReason?: string;
}

/** Panel 3: one job in the list. The five counts add up to `partitions`' share in flight or not. */
export interface DashboardJob {
  jobId: string;
  task: string;
  status: JobStatus;
  partitions: number;
  done: number;
  /** Started on a slot. */
  running: number;
  /** Sent to an agent, not started yet (prefetched). */
  assigned: number;
  /** Not sent anywhere yet. */
  waiting: number;
  /** Partitions that came back once or more (requeued or retried): a count of events, not of partitions. */
  retried: number;
  /** Speculative copies issued. */
  speculative: number;
  failed: number;
  /** Partitions per second over the last few seconds; 0 when not running. */
  rate: number;
  /** Estimated ms to the end at `rate`; null when unknown. */
  etaMs: number | null;
  elapsedMs: number;
  createdAt: number;
  finishedAt: number;
  error?: { code: string; message: string };
}

/** `GET /api/dashboard/jobs/:id`: the job view. */
export interface DashboardJobDetail {
  job: DashboardJob;
  /** `blocks[i]` covers partitions `[i * blockSize, (i + 1) * blockSize)`: counts in each state. */
  grid: { blockSize: number; blocks: Array<{ done: number; running: number; assigned: number; failed: number }> };
  /** Partitions accepted from each agent, by mode. */
  shares: Array<{ agent: string; partitions: number; thread: number; process: number }>;
}

export const ATTEMPT_OUTCOMES = ['ok', 'failed', 'requeued', 'speculative-won', 'speculative-lost', 'timed-out', 'cancelled'] as const;
/** How an attempt ended, as the task stream colours it. */
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** Panel 4: one bar of the task stream, on row (`agent`, `lane`): lanes are assigned on the server, at most the agent's slots. */
export interface AttemptBar {
  seq: number;
  agent: string;
  lane: number;
  jobId: string;
  partition: number;
  attempt: number;
  mode: SlotMode | 'unknown';
  startedAt: number;
  endedAt: number;
  outcome: AttemptOutcome;
}

/** Panel 5: one line of the event feed, in plain words. `jobId` is set when it concerns one job (`cohort logs`). */
export interface FeedItem {
  seq: number;
  at: number;
  level: 'info' | 'warn' | 'error';
  text: string;
  jobId?: string;
  agent?: string;
}

/** Panel 6: one throughput sample (accepted partitions per second over the half second before `at`), and the markers. */
export interface ThroughputSample {
  at: number;
  rate: number;
}
export interface ThroughputMarker {
  at: number;
  kind: 'agent-joined' | 'agent-lost';
  agent: string;
}

/** Panel 7: the coordinator's own health. */
export interface CoordinatorHealth {
  version: string;
  startedAt: number;
  journal: boolean;
  /** Results acknowledged durable (with a journal) or accepted (without) since start. */
  acknowledged: number;
  /** When the journal last synced, and how long that took; null without a journal. */
  lastSyncAt: number | null;
  lastSyncMs: number | null;
  /** Event-loop delay over the last interval, ms (p50 and p99). */
  loopDelayMs: { p50: number; p99: number };
  memoryBytes: number;
}

/** The small parts, sent in full in every snapshot and update. */
export interface DashboardHead {
  at: number;
  cluster: ClusterSummary;
  agents: DashboardAgent[];
  jobs: DashboardJob[];
  health: CoordinatorHealth;
  heartbeat: HeartbeatThresholds;
}

/** The stream's first event: every ring in full. */
export interface DashboardSnapshot extends DashboardHead {
  bars: AttemptBar[];
  feed: FeedItem[];
  throughput: ThroughputSample[];
  markers: ThroughputMarker[];
}

/** Every later event: the rings' new items only (by `seq`, or by time for samples and markers). */
export type DashboardUpdate = DashboardSnapshot;

/** The events of `GET /api/dashboard/events`. */
export type DashboardStreamEvent = { event: 'snapshot'; data: DashboardSnapshot } | { event: 'update'; data: DashboardUpdate };

/** `GET /api/jobs/:id/log`: the feed items of one job, oldest first (bounded by DASHBOARD_LIMITS.feed). */
export interface JobLog {
  jobId: string;
  items: FeedItem[];
}

/** Heartbeat-age colours on the page: green below `amber`, amber below `red`, red after. From the coordinator's heartbeat settings. */
export interface HeartbeatThresholds {
  amberMs: number;
  redMs: number;
}
