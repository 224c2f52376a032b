/**
 * The dashboard's view: an `Observer` that keeps bounded state, O(1) per
 * observation (a result costs a few counters; a bar is sampled, task-stream.ts).
 * Presenting is done on demand, from this and the cluster (head.ts).
 *
 * A one-second timer closes the second: a throughput sample, each job's
 * rate, the feed's held-back repeats, the event-loop delay; and it forgets
 * the logs of jobs the coordinator no longer keeps.
 *
 * Measured: about 45 ns per result on the coordinator (a few counters, and
 * one of every k results made a bar), against some 8 µs of the coordinator's
 * own work per no-op partition.
 */
import { clip, DASHBOARD_LIMITS, FINISHED_JOB_STATUSES, MAX_LENGTH, isOneOf } from '@cohort/shared';
import type { AgentSession } from '../agent-session.js';
import type { Job } from '../job.js';
import type { Observation, Observer } from '../observations.js';
import { AgentBook, type AgentStats } from './agent-stats.js';
import { Feed } from './feed.js';
import { attemptLine, clusterEventLine, jobLines, lostReason } from './feed-text.js';
import { Health } from './health.js';
import { JobStats } from './job-stats.js';
import { TaskStream } from './task-stream.js';
import { Throughput } from './throughput.js';

/** How often the view closes a second. */
export const VIEW_TICK_MS = 1000;
/** How often the throughput chart gets a sample: twice a second, so that a job of a few seconds (the demo's) still draws a curve. */
export const THROUGHPUT_SAMPLE_MS = VIEW_TICK_MS / 2;

/** What the view reads of the cluster (never writes). */
export interface ViewCluster {
  readonly agents: ReadonlyMap<string, AgentSession>;
  readonly jobs: ReadonlyMap<string, Job>;
}

type AttemptObservation = Extract<Observation, { kind: 'attempt' }>;
type ClusterObservation = Extract<Observation, { kind: 'cluster' }>['event'];
type JobObservation = Extract<Observation, { kind: 'job' }>;

/** Feed lines held back past a burst, by outcome: what the "N more …" line calls them. */
const REPEATS: Partial<Record<AttemptObservation['outcome'], string>> = {
  failed: 'failed attempts',
  'timed-out': 'timed-out attempts',
  'speculative-won': 'speculative wins',
};

export class DashboardView implements Observer {
  readonly startedAt: number;
  readonly throughput: Throughput;
  readonly stream = new TaskStream();
  readonly feed = new Feed();
  readonly agents = new AgentBook();
  readonly health = new Health();
  /** Running jobs' grids and rates. */
  readonly jobs = new Map<string, JobStats>();
  /** The most recently finished jobs' grids, for their job view; the oldest go first. */
  readonly finishedJobs = new Map<string, JobStats>();
  private timer: NodeJS.Timeout | undefined;
  /** The last agent and job looked up: results come in runs of one of each. */
  private lastAgent: AgentStats | undefined;
  private lastJob: { id: string; stats: JobStats | undefined } = { id: '', stats: undefined };

  constructor(
    readonly cluster: ViewCluster,
    now = Date.now(),
    /** False in tests that drive `tick` by hand. */
    timer = true,
    /** A tick that throws is a bug to log, never a reason for the process to exit. */
    onError: (err: unknown) => void = () => {},
  ) {
    this.startedAt = now;
    this.throughput = new Throughput(now);
    if (timer) {
      let half = 0;
      const step = () => (++half % 2 === 0 ? this.tick(Date.now()) : this.throughput.sample(Date.now()));
      this.timer = setInterval(() => guarded(step, onError), THROUGHPUT_SAMPLE_MS);
      this.timer.unref();
    }
  }

  observe(o: Observation): void {
    switch (o.kind) {
      case 'attempt':
        return this.attempt(o);
      case 'cluster':
        return this.clusterEvent(o.event);
      case 'job':
        return this.job(o);
      case 'journal-sync':
        return this.health.synced(o.at, o.seconds);
      case 'ws-bytes':
        return;
    }
  }

  private attempt(o: AttemptObservation): void {
    const agent = this.lastAgent?.name === o.agent ? this.lastAgent : (this.lastAgent = this.agents.get(o.agent));
    const job = this.lastJob.id === o.jobId ? this.lastJob.stats : (this.lastJob = { id: o.jobId, stats: this.jobs.get(o.jobId) }).stats;
    const outcome = o.outcome;
    if (outcome === 'ok' || outcome === 'speculative-won') {
      this.throughput.add();
      if (agent) agent.done++;
      job?.accepted(o.partition);
    } else if (outcome === 'failed' || outcome === 'timed-out') {
      if (agent) {
        agent.failures++;
        agent.lastError = { code: clip(o.code ?? 'UNKNOWN', 40), message: clip(o.message ?? ''), at: o.at };
      }
    }
    this.stream.add(o, agent?.display ?? clip(o.agent, MAX_LENGTH.agentName), agent?.slots ?? 1);
    if (outcome === 'ok') return;
    const what = REPEATS[outcome];
    const line = what && this.feed.admits(o.jobId, what) ? attemptLine(o) : undefined;
    if (line) this.feed.add(o.at, line);
  }

  private clusterEvent(e: ClusterObservation): void {
    switch (e.kind) {
      case 'agent-joined':
        this.agents.joined(e, clip(this.cluster.agents.get(e.agentId)?.hardware.hostname ?? '', MAX_LENGTH.agentName));
        this.throughput.mark(e.at, 'agent-joined', e.agent);
        break;
      case 'agent-lost': {
        this.agents.lostOne(e, lostReason(e), undefined);
        this.throughput.mark(e.at, 'agent-lost', e.agent);
        this.stream.forget(clip(e.agent, MAX_LENGTH.agentName));
        this.lastAgent = undefined;
        break;
      }
      case 'mode-escalated':
        this.agents.escalated(e);
        break;
    }
    const line = clusterEventLine(e);
    if (!line) return;
    if (e.kind !== 'speculative-copy' || this.feed.admits(e.jobId, 'speculative copies')) this.feed.add(e.at, line);
  }

  private job(o: JobObservation): void {
    this.lastJob = { id: '', stats: undefined };
    const job = this.cluster.jobs.get(o.jobId);
    if (!isOneOf(o.status, FINISHED_JOB_STATUSES)) {
      if (!this.jobs.has(o.jobId)) this.jobs.set(o.jobId, new JobStats(o.partitions, o.at));
    } else {
      const stats = this.jobs.get(o.jobId);
      this.jobs.delete(o.jobId);
      if (stats) this.keepFinished(o.jobId, stats);
      this.feed.finished(o.jobId);
    }
    const durationMs = job ? (job.finishedAt || o.at) - job.createdAt : 0;
    if (o.status !== 'running') for (const line of jobLines(o, durationMs)) this.feed.add(o.at, line);
  }

  private keepFinished(jobId: string, stats: JobStats): void {
    this.finishedJobs.set(jobId, stats);
    if (this.finishedJobs.size > DASHBOARD_LIMITS.jobs) this.finishedJobs.delete(this.finishedJobs.keys().next().value!);
  }

  /** A job's grid and rate, running or recently finished. */
  statsOf(jobId: string): JobStats | undefined {
    return this.jobs.get(jobId) ?? this.finishedJobs.get(jobId);
  }

  /** Close a second, and a throughput sample (the timer calls it, with a sample alone between two; tests call it by hand). */
  tick(now: number): void {
    this.throughput.sample(now);
    for (const [jobId, stats] of this.jobs) {
      stats.tick(now);
      const job = stats.seeded ? undefined : this.cluster.jobs.get(jobId);
      if (job) stats.seedRecovered(job.accepted, job.recovered);
    }
    this.feed.flushHeld(now);
    this.health.tick();
    this.feed.prune((jobId) => this.cluster.jobs.has(jobId));
    for (const jobId of this.finishedJobs.keys()) if (!this.cluster.jobs.has(jobId)) this.finishedJobs.delete(jobId);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.health.close();
  }
}

/** Run `fn`; what it throws goes to `onError`. */
export function guarded(fn: () => void, onError: (err: unknown) => void): void {
  try {
    fn();
  } catch (err) {
    onError(err);
  }
}
