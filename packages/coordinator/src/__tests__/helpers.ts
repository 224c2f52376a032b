/**
 * Test helpers for the cluster: a driver that feeds inputs and records the
 * effects they return, hello messages, jobs and result items. No sockets, no
 * timers: time is passed explicitly.
 */
import {
  PROTOCOL_VERSION,
  assertNever,
  silentLogger,
  type AgentMessage,
  type AssignMessage,
  type CancelMessage,
  type CoordinatorMessage,
  type ErrorCode,
  type HelloMessage,
  type ResultFailed,
  type ResultOk,
  type SlotMode,
} from '@cohort/shared';
import type { AgentSession } from '../agent-session.js';
import type { Observation } from '../observations.js';
import { Cluster, type ClusterConfig, type ClusterEvent, type Effect, type MergeOutcome } from '../cluster.js';
import { Job, type JobSpec } from '../job.js';

export const HEARTBEAT_MS = 100;
export const HEARTBEAT_TIMEOUT_MS = 1000;

export const BASE_CONFIG: ClusterConfig = {
  heartbeatMs: HEARTBEAT_MS,
  heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
  speculation: { enabled: false, quantile: 0.75, multiplier: 1.5, minRuntimeMs: 0 },
};

export interface Sent {
  to: string;
  session: AgentSession;
  msg: CoordinatorMessage;
}

/**
 * The effects a cluster returned, sorted by kind for assertions. Nothing here
 * is called by the cluster: the driver below feeds inputs and records what
 * each one returns.
 */
export class Recorder {
  readonly effects: Effect[] = [];
  readonly sent: Sent[] = [];
  readonly closed: Array<{ to: string; code: ErrorCode; message: string }> = [];
  /** Jobs whose every partition is in (the `merge` effect). */
  readonly completed: Job[] = [];
  readonly finishedJobs: Job[] = [];
  readonly acceptedItems: Array<{ jobId: string; p: number; value: unknown }> = [];
  readonly progressed: Job[] = [];
  readonly events: ClusterEvent[] = [];

  /** `serve-bundle` effects: which session was to get which part of which bundle. */
  readonly served: Array<{ to: string; hash: string; offset: number }> = [];
  /** `serve-shared` effects: which session was to get which part of which shared value. */
  readonly servedShared: Array<{ to: string; hash: string; offset: number }> = [];
  readonly observed: Observation[] = [];

  record(effects: readonly Effect[]): Effect[] {
    for (const e of effects) {
      this.effects.push(e);
      switch (e.type) {
        case 'send':
          this.sent.push({ to: e.session.id, session: e.session, msg: e.message });
          break;
        case 'close':
          this.closed.push({ to: e.session.id, code: e.code, message: e.message });
          break;
        case 'merge':
          this.completed.push(e.job);
          break;
        case 'finished':
          this.finishedJobs.push(e.job);
          break;
        case 'journal':
          this.acceptedItems.push({ jobId: e.job.id, p: e.partition.index, value: e.partition.value });
          break;
        case 'progress':
          this.progressed.push(e.job);
          break;
        case 'notify':
          this.events.push(e.event);
          break;
        case 'serve-bundle':
          this.served.push({ to: e.session.id, hash: e.hash, offset: e.offset });
          break;
        case 'serve-shared':
          this.servedShared.push({ to: e.session.id, hash: e.hash, offset: e.offset });
          break;
        case 'observe':
          this.observed.push(e.observation);
          break;
        default:
          assertNever(e, 'effect');
      }
    }
    return [...effects];
  }

  /** `assign` messages sent to a session (by id), in order; from `since` (an index into `sent`). */
  assigns(to?: string, since = 0): AssignMessage[] {
    return this.sent
      .slice(since)
      .filter((s) => s.msg.type === 'assign' && (to === undefined || s.to === to))
      .map((s) => s.msg as AssignMessage);
  }
  /** Partition indices assigned to a session, with their attempts. */
  assigned(to: string, since = 0): Array<{ p: number; a: number }> {
    return this.assigns(to, since).flatMap((m) => m.items.map(({ p, a }) => ({ p, a })));
  }
  cancels(to?: string, since = 0): CancelMessage[] {
    return this.sent
      .slice(since)
      .filter((s) => s.msg.type === 'cancel' && (to === undefined || s.to === to))
      .map((s) => s.msg as CancelMessage);
  }
  eventsOf<K extends ClusterEvent['kind']>(kind: K): Array<Extract<ClusterEvent, { kind: K }>> {
    return this.events.filter((e): e is Extract<ClusterEvent, { kind: K }> => e.kind === kind);
  }
}

/** Feeds inputs to a real Cluster and records the effects each returns; returns them too. */
export class Driver {
  /** Retire a job as soon as an input returns its `finished` effect, as the executor does. */
  retireOnFinish = false;

  constructor(
    readonly core: Cluster,
    private readonly fx: Recorder,
  ) {}

  get agents(): Map<string, AgentSession> {
    return this.core.agents;
  }
  get jobs(): Map<string, Job> {
    return this.core.jobs;
  }
  get staleResults(): number {
    return this.core.staleResults;
  }
  get unissuedResults(): number {
    return this.core.unissuedResults;
  }

  join(sessionId: string, h: HelloMessage, now: number, conn: unknown): AgentSession | undefined {
    const { session, effects } = this.core.join(sessionId, h, now, conn);
    this.record(effects);
    return session;
  }
  receive(s: AgentSession, msg: AgentMessage, now: number): Effect[] {
    return this.record(this.core.receive(s, msg, now));
  }
  disconnected(s: AgentSession, now: number): Effect[] {
    return this.record(this.core.disconnected(s, now));
  }
  bundleServed(s: AgentSession): Effect[] {
    return this.record(this.core.bundleServed(s));
  }
  sharedServed(s: AgentSession): Effect[] {
    return this.record(this.core.sharedServed(s));
  }
  submit(job: Job): Effect[] {
    return this.record(this.core.submit(job));
  }
  cancel(jobId: string, now: number): Effect[] {
    return this.record(this.core.cancel(jobId, now));
  }
  merged(job: Job, outcome: MergeOutcome, now: number): Effect[] {
    return this.record(this.core.merged(job, outcome, now));
  }
  retire(job: Job): Effect[] {
    return this.record(this.core.retire(job));
  }
  schedule(now: number): Effect[] {
    return this.record(this.core.schedule(now));
  }
  tick(now: number): Effect[] {
    return this.record(this.core.tick(now));
  }

  private record(effects: Effect[]): Effect[] {
    this.fx.record(effects);
    if (this.retireOnFinish) for (const e of effects) if (e.type === 'finished') this.fx.record(this.core.retire(e.job));
    return effects;
  }
}

export function makeCluster(config: Partial<ClusterConfig> = {}): { cluster: Driver; fx: Recorder } {
  const fx = new Recorder();
  const cluster = new Driver(new Cluster({ ...BASE_CONFIG, ...config }, silentLogger), fx);
  return { cluster, fx };
}

export function hello(name: string, slots: number, more: Partial<HelloMessage> = {}): HelloMessage {
  return {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agentVersion: '0.1.0',
    name,
    slots,
    mode: 'auto',
    modes: ['thread', 'process'],
    maxPrefetch: 1000,
    hardware: { cpus: slots, cpuModel: 'test', memoryBytes: 2 ** 30, platform: 'linux', arch: 'x64', node: 'v20', hostname: name },
    ...more,
  };
}

/** Join an agent; the session id is the name unless given. Fails the test if refused. */
export function join(cluster: Driver, name: string, slots: number, now: number, more: Partial<HelloMessage> & { id?: string } = {}): AgentSession {
  const { id, ...rest } = more;
  const s = cluster.join(id ?? name, hello(name, slots, rest), now, undefined);
  if (!s) throw new Error(`join of ${name} refused`);
  return s;
}

export function makeJob(id: string, partitions: number, spec: Partial<JobSpec> = {}, now = 0, inputs?: unknown[]): Job {
  const full: JobSpec = { task: 'noop', input: null, partitions, timeoutMs: 0, maxAttempts: 3, ...spec };
  return new Job(id, full, 'thread', now, inputs ?? Array.from({ length: partitions }, (_, i) => ({ i })));
}

export function ok(p: number, a: number, value: unknown = p * 10, ms = 10, mode: SlotMode = 'thread'): ResultOk {
  return { p, a, ok: true, value, ms, mode, why: 'agent-threads' };
}

export function failed(p: number, a: number, code: ErrorCode = 'TASK_ERROR', mode: SlotMode = 'thread'): ResultFailed {
  return { p, a, ok: false, error: { code, name: 'Error', message: `attempt ${a} failed` }, ms: 1, mode, why: 'agent-threads' };
}

/** Send results for everything `session` was assigned (from `since`), attempt as assigned. */
export function answerAll(cluster: Driver, fx: Recorder, session: AgentSession, now: number, since = 0): number {
  let n = 0;
  for (const m of fx.assigns(session.id, since)) {
    cluster.receive(session, { type: 'results', jobId: m.jobId, items: m.items.map(({ p, a }) => ok(p, a)) }, now);
    n += m.items.length;
  }
  return n;
}

/** Tick every `step` ms from `from` (exclusive) to `to` (inclusive), as the coordinator's timer would. */
export function tickTo(cluster: Driver, from: number, to: number, step = 50): void {
  for (let t = from + step; t <= to; t += step) cluster.tick(t);
  if ((to - from) % step !== 0) cluster.tick(to);
}
