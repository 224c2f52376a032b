/**
 * The coordinator's brain, with no I/O: agent sessions and jobs go in as
 * events (join, message, disconnect, tick, submit), and what must happen to
 * the outside world comes out through `ClusterEffects`. server.ts wires the
 * effects to sockets; tests wire them to arrays.
 *
 * Cost per partition is O(1): queues are ring buffers, each session keeps the
 * set of partitions it holds, and nothing scans all partitions of a job.
 */
import {
  type AgentMessage,
  type CoordinatorMessage,
  type ErrorCode,
  type HelloMessage,
  type ResultItem,
  ErrorCode as Codes,
  PROTOCOL_VERSION,
  VERSION,
  assertNever,
  type Logger,
} from '@cohort/shared';
import { acceptsWork, agentTransition, isLive, type AgentEvent } from './agent-machine.js';
import { AgentSession } from './agent-session.js';
import { type Job, type Partition } from './job.js';
import { transition } from './partition-machine.js';
import { partitionFailedError } from './failure-report.js';
import { planAssignments } from './scheduler.js';

export interface SpeculationConfig {
  enabled: boolean;
  /** Fraction of a job's partitions done before speculation starts. */
  quantile: number;
  /** A partition running longer than this many times the job's median gets a copy. */
  multiplier: number;
  /** Never speculate on a partition younger than this. */
  minRuntimeMs: number;
}

export interface ClusterConfig {
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  speculation: SpeculationConfig;
}

export interface ClusterEffects {
  send(session: AgentSession, message: CoordinatorMessage): void;
  close(session: AgentSession, code: ErrorCode, message: string): void;
  /** Every partition succeeded: merge the results, off the socket path, then call `mergeDone`. */
  complete(job: Job): void;
  /** The job reached a final state. */
  finished(job: Job): void;
  /** A result was accepted (from attempt `attempt`); the journal records it before the job can complete. */
  accepted(job: Job, partition: Partition, attempt: number): void;
  /** Counts changed; the server throttles what it sends to watchers. */
  progress(job: Job): void;
  /** Something a watcher or a drill wants to see: an agent joined, was lost, a copy was issued. */
  notify(event: ClusterEvent): void;
}

export type ClusterEvent =
  | { kind: 'agent-joined'; at: number; agentId: string; agent: string; slots: number; mode: string }
  | { kind: 'agent-suspect'; at: number; agentId: string; agent: string; silentMs: number }
  | { kind: 'agent-lost'; at: number; agentId: string; agent: string; reason: 'closed' | 'timeout' | 'left'; silentMs: number; requeued: number }
  | { kind: 'speculative-copy'; at: number; jobId: string; partition: number; agent: string; runningMs: number }
  | { kind: 'mode-escalated'; at: number; agentId: string; agent: string; task: string; mode: string; evidence?: string };

export class Cluster {
  readonly agents = new Map<string, AgentSession>();
  readonly jobs = new Map<string, Job>();
  /** Jobs with work left, in submission order. */
  private active: Job[] = [];
  private heartbeatSeq = 0;
  private lastHeartbeatAt = 0;
  private lastTickAt = 0;
  /** Results for jobs this coordinator does not know (e.g. finished before a restart). */
  staleResults = 0;

  constructor(
    private readonly config: ClusterConfig,
    private readonly effects: ClusterEffects,
    private readonly log: Logger,
  ) {}

  // ------------------------------------------------------------------ agents

  /** A socket sent a valid `hello`. Returns the session, or undefined when refused (the socket is closed). */
  join(sessionId: string, hello: HelloMessage, now: number, conn: unknown): AgentSession | undefined {
    const s = new AgentSession(sessionId, hello.name, hello.slots, hello.maxPrefetch, hello.mode, hello.hardware, now, conn);
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.effects.close(s, Codes.PROTOCOL_VERSION, `coordinator speaks protocol ${PROTOCOL_VERSION}, agent ${hello.protocol}`);
      return undefined;
    }
    this.agents.set(s.id, s);
    this.move(s, 'welcome');
    this.effects.send(s, {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      sessionId: s.id,
      coordinatorVersion: VERSION,
      heartbeatMs: this.config.heartbeatMs,
      heartbeatTimeoutMs: this.config.heartbeatTimeoutMs,
    });
    this.log.info('agent joined', { agentId: s.id, agent: s.name, slots: s.slots, mode: s.mode, previous: hello.previousSessionId });
    this.effects.notify({ kind: 'agent-joined', at: now, agentId: s.id, agent: s.name, slots: s.slots, mode: s.mode });
    return s;
  }

  receive(s: AgentSession, msg: AgentMessage, now: number): void {
    if (!isLive(s.state)) return; // a session declared dead is not heard again
    s.lastSeen = now;
    if (s.state === 'suspect') this.move(s, 'heard');
    switch (msg.type) {
      case 'heartbeat':
        if (msg.load) s.load = msg.load;
        return;
      case 'results':
        return this.onResults(s, msg.jobId, msg.items, now);
      case 'started':
        return this.onStarted(s, msg.jobId, msg.items, now);
      case 'mode-change':
        s.escalated.set(msg.task, msg.mode);
        this.log.warn('agent escalated task', { agentId: s.id, agent: s.name, task: msg.task, mode: msg.mode, why: msg.why, evidence: msg.evidence?.code });
        this.effects.notify({ kind: 'mode-escalated', at: now, agentId: s.id, agent: s.name, task: msg.task, mode: msg.mode, ...(msg.evidence ? { evidence: msg.evidence.code } : {}) });
        return;
      case 'draining':
        this.move(s, 'drain');
        this.log.info('agent draining', { agentId: s.id, agent: s.name, held: s.held.size });
        return;
      case 'hello':
        this.effects.close(s, Codes.BAD_FRAME, 'hello sent twice on one connection');
        this.disconnected(s, now);
        return;
      default:
        assertNever(msg, 'agent message');
    }
  }

  /** The socket closed (or was closed by us). */
  disconnected(s: AgentSession, now: number): void {
    if (!isLive(s.state) && s.state !== 'joining') return;
    this.lose(s, 'closed', now);
  }

  private move(s: AgentSession, event: AgentEvent): void {
    s.state = agentTransition(s.state, event, s.id);
  }

  /** Declare a session gone and put everything it held back in the queue, at the front. */
  private lose(s: AgentSession, event: 'closed' | 'timeout', now: number): void {
    this.move(s, event);
    s.diedAt = now;
    const requeued = this.release(s, now, event === 'closed' ? 'agent-closed' : 'agent-timeout');
    this.agents.delete(s.id);
    const fields = { agentId: s.id, agent: s.name, state: s.state, requeued, silentMs: now - s.lastSeen };
    if (s.state === 'left') this.log.info('agent left', fields);
    else this.log.warn('agent lost', fields);
    const reason = s.state === 'left' ? 'left' : event;
    this.effects.notify({ kind: 'agent-lost', at: now, agentId: s.id, agent: s.name, reason, silentMs: now - s.lastSeen, requeued });
    if (event === 'timeout') this.effects.close(s, Codes.DECLARED_DEAD, `no heartbeat for ${now - s.lastSeen} ms; declared dead`);
  }

  private release(s: AgentSession, now: number, reason: string): number {
    let requeued = 0;
    for (const p of s.held) {
      if (p.spare === s) {
        p.spare = null;
        continue;
      }
      if (p.agent !== s || (p.state !== 'assigned' && p.state !== 'running')) continue;
      transition(p, 'lost', now, s.name, reason);
      p.agent = null;
      p.job.inflight.delete(p);
      p.job.retry.unshift(p.index);
      p.job.requeued++;
      requeued++;
      this.effects.progress(p.job);
    }
    s.held.clear();
    return requeued;
  }

  // ------------------------------------------------------------------ results

  private onStarted(s: AgentSession, jobId: string, items: Array<[number, number]>, now: number): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    for (const [index, attempt] of items) {
      const p = job.partitions[index];
      if (p && p.agent === s && p.attempt === attempt && p.state === 'assigned') {
        transition(p, 'start', now, s.name);
        p.startedAt = now;
      }
    }
  }

  private onResults(s: AgentSession, jobId: string, items: ResultItem[], now: number): void {
    const job = this.jobs.get(jobId);
    if (!job) {
      this.staleResults += items.length;
      return;
    }
    let msSum = 0;
    let accepted = 0;
    const cancels = new Map<AgentSession, number[]>();
    for (const item of items) {
      const p = job.partitions[item.p];
      if (!p || item.a < 1 || (item.a > p.attempt && !job.restored)) {
        this.log.warn('result for an attempt never issued', { agentId: s.id, jobId, partition: item.p, attempt: item.a });
        continue;
      }
      // After a restart, agents report attempts issued by the coordinator before it; run is deterministic, so they count.
      if (item.a > p.attempt) p.attempt = item.a;
      s.held.delete(p);
      if (p.spare === s) p.spare = null;
      if (p.state === 'succeeded' || p.state === 'failed' || job.finished) {
        if (item.ok) job.duplicates++;
        continue;
      }
      if (!item.ok) {
        this.onFailure(job, p, s, item, now);
        continue;
      }
      if (p.state === 'assigned') transition(p, 'start', now, s.name);
      transition(p, 'succeed', now, s.name);
      p.value = item.value;
      p.ms = item.ms;
      p.mode = item.mode;
      p.why = item.why;
      p.winner = s.name;
      for (const other of [p.agent, p.spare]) {
        if (other && other !== s && other.held.delete(p)) {
          let list = cancels.get(other);
          if (!list) cancels.set(other, (list = []));
          list.push(p.index);
        }
      }
      p.agent = null;
      p.spare = null;
      job.inflight.delete(p);
      job.done++;
      job.slotMs += item.ms;
      job.durations.add(item.ms);
      job.recordShare(s.name, item.mode, item.why);
      s.accepted++;
      msSum += item.ms;
      accepted++;
      this.effects.accepted(job, p, item.a);
    }
    if (accepted > 0) s.observeRunTime(msSum / accepted);
    for (const [other, list] of cancels) this.effects.send(other, { type: 'cancel', jobId, items: list });
    this.effects.progress(job);
    if (job.status === 'running' && job.done === job.total) {
      job.status = 'merging';
      this.active = this.active.filter((j) => j !== job);
      this.effects.complete(job);
    }
  }

  private onFailure(job: Job, p: Partition, s: AgentSession, item: Extract<ResultItem, { ok: false }>, now: number): void {
    if (item.error.code === Codes.CANCELLED || item.error.code === Codes.SHUTTING_DOWN) {
      // Handed back unrun (a draining agent, a cancelled copy): a loss, not a failed attempt.
      if (p.agent === s && item.a === p.attempt && (p.state === 'assigned' || p.state === 'running')) {
        transition(p, 'lost', now, s.name, item.error.code);
        p.agent = null;
        job.inflight.delete(p);
        job.retry.unshift(p.index);
        job.requeued++;
      }
      return;
    }
    (p.failures ??= []).push({ attempt: item.a, agent: s.name, mode: item.mode, error: item.error });
    s.failed++;
    if (p.agent !== s || item.a !== p.attempt) return; // an older copy failed; the current attempt goes on
    job.inflight.delete(p);
    p.agent = null;
    if (p.failures.length >= job.spec.maxAttempts) {
      transition(p, 'fail', now, s.name, item.error.code);
      this.failJob(job, partitionFailedError(job, p), now);
      return;
    }
    transition(p, 'retry', now, s.name, item.error.code);
    job.retry.push(p.index);
    job.requeued++;
    this.log.warn('partition attempt failed', { jobId: job.id, partition: p.index, attempt: item.a, agent: s.name, code: item.error.code });
  }

  // ------------------------------------------------------------------ jobs

  submit(job: Job): void {
    this.jobs.set(job.id, job);
    if (job.done === job.total) {
      // Nothing to run: an empty job, or one whose every result was reloaded after a restart.
      job.status = 'merging';
      this.effects.complete(job);
      return;
    }
    this.active.push(job);
    this.log.info('job submitted', { jobId: job.id, task: job.spec.task, partitions: job.total });
  }

  /** The merge finished (or threw); the job is final. */
  mergeDone(job: Job, outcome: { result: unknown } | { error: Job['error'] }, now: number): void {
    if (job.finished) return;
    job.finishedAt = now;
    if ('result' in outcome) {
      job.status = 'succeeded';
      job.result = outcome.result;
    } else {
      job.status = 'failed';
      job.error = outcome.error;
    }
    this.log.info('job finished', { jobId: job.id, status: job.status, ms: job.finishedAt - job.createdAt, attempts: job.attempts, duplicates: job.duplicates });
    this.effects.finished(job);
  }

  failJob(job: Job, error: NonNullable<Job['error']>, now: number): void {
    if (job.finished) return;
    job.status = job.error?.code === Codes.CANCELLED || error.code === Codes.CANCELLED ? 'cancelled' : 'failed';
    job.error = error;
    job.finishedAt = now;
    this.active = this.active.filter((j) => j !== job);
    const holders = new Set<AgentSession>();
    for (const p of job.inflight) {
      for (const s of [p.agent, p.spare]) if (s && s.held.delete(p)) holders.add(s);
    }
    job.inflight.clear();
    for (const s of holders) this.effects.send(s, { type: 'cancel', jobId: job.id });
    this.log.warn('job failed', { jobId: job.id, code: error.code, message: error.message });
    this.effects.finished(job);
  }

  cancel(jobId: string, now: number): Job | undefined {
    const job = this.jobs.get(jobId);
    if (job && !job.finished) this.failJob(job, { code: Codes.CANCELLED, name: 'CohortError', message: 'job cancelled' }, now);
    return job;
  }

  // ------------------------------------------------------------------ time

  /** Heartbeats out, failure detection, speculation. Call every ~100 ms. */
  tick(now: number): void {
    // If this process itself was paused (a long split, a GC pause, SIGSTOP), timers run before the
    // sockets are read, so every agent would look silent. Time we could not listen is not silence.
    const pause = this.lastTickAt === 0 ? 0 : now - this.lastTickAt;
    this.lastTickAt = now;
    if (pause > this.config.heartbeatMs) {
      // Only the part beyond a normal tick gap: a timer firing a little late (tickMs may equal
      // heartbeatMs) must not erase the silence of an agent that really stopped talking.
      const lost = pause - this.config.heartbeatMs;
      for (const s of this.agents.values()) s.lastSeen = Math.min(now, s.lastSeen + lost);
      if (lost >= this.config.heartbeatMs) this.log.warn('coordinator paused; heartbeat clocks shifted', { pauseMs: pause });
    }
    if (now - this.lastHeartbeatAt >= this.config.heartbeatMs) {
      this.lastHeartbeatAt = now;
      const hb: CoordinatorMessage = { type: 'heartbeat', seq: ++this.heartbeatSeq, sentAt: now };
      for (const s of this.agents.values()) if (isLive(s.state)) this.effects.send(s, hb);
    }
    for (const s of [...this.agents.values()]) {
      const silent = now - s.lastSeen;
      if (silent > this.config.heartbeatTimeoutMs) this.lose(s, 'timeout', now);
      else if (s.state === 'ready' && silent > 2 * this.config.heartbeatMs) {
        this.move(s, 'silence');
        this.log.warn('agent suspect', { agentId: s.id, agent: s.name, silentMs: silent });
        this.effects.notify({ kind: 'agent-suspect', at: now, agentId: s.id, agent: s.name, silentMs: silent });
      }
    }
    if (this.config.speculation.enabled) for (const job of this.active) this.speculate(job, now);
  }

  private speculate(job: Job, now: number): void {
    const spec = this.config.speculation;
    if (job.done < spec.quantile * job.total || job.inflight.size === 0) return;
    const median = job.durations.quantile(0.5);
    if (median === undefined) return;
    const limit = Math.max(spec.multiplier * median, spec.minRuntimeMs);
    for (const p of job.inflight) {
      if (p.state !== 'running' || p.speculated || now - p.startedAt <= limit) continue;
      const holder = p.agent!;
      if (![...this.agents.values()].some((s) => s !== holder && acceptsWork(s.state))) return;
      transition(p, 'lost', now, holder.name, 'speculation');
      p.speculated = true;
      p.spare = holder;
      p.agent = null;
      job.inflight.delete(p);
      job.retry.unshift(p.index);
      job.speculative++;
      this.log.info('speculative copy', { jobId: job.id, partition: p.index, runningMs: now - p.startedAt, medianMs: Math.round(median), agent: holder.name });
      this.effects.notify({ kind: 'speculative-copy', at: now, jobId: job.id, partition: p.index, agent: holder.name, runningMs: now - p.startedAt });
    }
  }

  // ------------------------------------------------------------------ scheduling

  /** Fill every ready agent's credit from the queued partitions (scheduler.ts), and send the batches. */
  schedule(now: number): void {
    for (const { session, message } of planAssignments(this.active, this.agents.values(), now)) this.effects.send(session, message);
  }
}
