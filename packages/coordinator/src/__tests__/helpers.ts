/**
 * Test doubles for the cluster: effects recorded into arrays, hello messages,
 * jobs and result items. No sockets, no timers: time is passed explicitly.
 */
import { PROTOCOL_VERSION, silentLogger, type AssignMessage, type CancelMessage, type CoordinatorMessage, type ErrorCode, type HelloMessage, type ResultFailed, type ResultOk, type SlotMode } from '@cohort/shared';
import type { AgentSession } from '../agent-session.js';
import { Cluster, type ClusterConfig, type ClusterEffects, type ClusterEvent } from '../cluster.js';
import { Job, type JobSpec, type Partition } from '../job.js';

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

export class Recorder implements ClusterEffects {
  readonly sent: Sent[] = [];
  readonly closed: Array<{ to: string; code: ErrorCode; message: string }> = [];
  readonly completed: Job[] = [];
  readonly finishedJobs: Job[] = [];
  readonly acceptedItems: Array<{ jobId: string; p: number; value: unknown }> = [];
  readonly progressed: Job[] = [];
  readonly events: ClusterEvent[] = [];

  send(session: AgentSession, msg: CoordinatorMessage): void {
    this.sent.push({ to: session.id, session, msg });
  }
  close(session: AgentSession, code: ErrorCode, message: string): void {
    this.closed.push({ to: session.id, code, message });
  }
  complete(job: Job): void {
    this.completed.push(job);
  }
  finished(job: Job): void {
    this.finishedJobs.push(job);
  }
  accepted(job: Job, partition: Partition): void {
    this.acceptedItems.push({ jobId: job.id, p: partition.index, value: partition.value });
  }
  progress(job: Job): void {
    this.progressed.push(job);
  }
  notify(event: ClusterEvent): void {
    this.events.push(event);
  }

  /** `assign` messages sent to a session (by id), in order; from `since` (an index into `sent`). */
  assigns(to?: string, since = 0): AssignMessage[] {
    return this.sent.slice(since).filter((s) => s.msg.type === 'assign' && (to === undefined || s.to === to)).map((s) => s.msg as AssignMessage);
  }
  /** Partition indices assigned to a session, with their attempts. */
  assigned(to: string, since = 0): Array<{ p: number; a: number }> {
    return this.assigns(to, since).flatMap((m) => m.items.map(({ p, a }) => ({ p, a })));
  }
  cancels(to?: string, since = 0): CancelMessage[] {
    return this.sent.slice(since).filter((s) => s.msg.type === 'cancel' && (to === undefined || s.to === to)).map((s) => s.msg as CancelMessage);
  }
  eventsOf<K extends ClusterEvent['kind']>(kind: K): Array<Extract<ClusterEvent, { kind: K }>> {
    return this.events.filter((e): e is Extract<ClusterEvent, { kind: K }> => e.kind === kind);
  }
}

export function makeCluster(config: Partial<ClusterConfig> = {}): { cluster: Cluster; fx: Recorder } {
  const fx = new Recorder();
  const cluster = new Cluster({ ...BASE_CONFIG, ...config }, fx, silentLogger);
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
export function join(cluster: Cluster, name: string, slots: number, now: number, more: Partial<HelloMessage> & { id?: string } = {}): AgentSession {
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
export function answerAll(cluster: Cluster, fx: Recorder, session: AgentSession, now: number, since = 0): number {
  let n = 0;
  for (const m of fx.assigns(session.id, since)) {
    cluster.receive(session, { type: 'results', jobId: m.jobId, items: m.items.map(({ p, a }) => ok(p, a)) }, now);
    n += m.items.length;
  }
  return n;
}

/** Tick every `step` ms from `from` (exclusive) to `to` (inclusive), as the coordinator's timer would. */
export function tickTo(cluster: Cluster, from: number, to: number, step = 50): void {
  for (let t = from + step; t <= to; t += step) cluster.tick(t);
  if ((to - from) % step !== 0) cluster.tick(to);
}
