/**
 * The coordinator's brain, with no I/O: agent sessions and jobs go in as
 * events (join, message, disconnect, tick, submit), and what must happen to
 * the outside world comes out through `ClusterEffects`. coordinator.ts wires
 * the effects to sockets; tests wire them to arrays.
 *
 * Nothing an agent says is taken on trust: a result counts only when it
 * answers an attempt issued to that session (or to an earlier session of the
 * same agent), credit is capped by the coordinator, deadlines are enforced
 * here too, and floods close the session that sent them.
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
  type ResultOk,
  ErrorCode as Codes,
  LIMITS,
  PROTOCOL_VERSION,
  RATES,
  VERSION,
  assertNever,
  type Logger,
  type ModeChangeMessage,
} from '@cohort/shared';
import { acceptsWork, agentTransition, isLive, type AgentEvent } from './agent-machine.js';
import { AgentSession } from './agent-session.js';
import { DEFAULT_MAX_AGENT_CREDIT, DEFAULT_TIMEOUT_GRACE_MS, type ClusterConfig, type ClusterEffects } from './cluster-types.js';
import { overdue, stragglers } from './deadlines.js';
import { SessionLineage } from './lineage.js';
import { type AttemptFailure, type Job, type Partition } from './job.js';
import { transition } from './partition-machine.js';
import { attemptsExhaustedError, partitionFailedError } from './failure-report.js';
import { planAssignments } from './scheduler.js';

export type { SpeculationConfig } from './deadlines.js';
export type { ClusterConfig, ClusterEffects, ClusterEvent } from './cluster-types.js';

export class Cluster {
  readonly agents = new Map<string, AgentSession>();
  readonly jobs = new Map<string, Job>();
  /** Jobs with work left, in submission order. */
  private active: Job[] = [];
  private heartbeatSeq = 0;
  private lastHeartbeatAt = 0;
  private lastTickAt = 0;
  /** Results for jobs this coordinator does not know, or that have finished. */
  staleResults = 0;
  /** Results dropped because their attempt was never issued to the session that sent them. */
  unissuedResults = 0;
  private readonly lineage = new SessionLineage();

  constructor(
    private readonly config: ClusterConfig,
    private readonly effects: ClusterEffects,
    private readonly log: Logger,
  ) {}

  // ------------------------------------------------------------------ agents

  /** A socket sent a valid `hello`. Returns the session, or undefined when refused (the socket is closed). */
  join(sessionId: string, hello: HelloMessage, now: number, conn: unknown): AgentSession | undefined {
    const maxCredit = this.config.maxAgentCredit ?? DEFAULT_MAX_AGENT_CREDIT;
    const ancestors = hello.protocol === PROTOCOL_VERSION ? this.ancestorsOf(hello.previousSessionId, now) : [];
    const s = new AgentSession(sessionId, hello.name, hello.slots, hello.maxPrefetch, hello.mode, hello.hardware, now, conn, maxCredit, ancestors);
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
      ...(this.config.coordinatorId && { coordinatorId: this.config.coordinatorId }),
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
        return this.onModeChange(s, msg, now);
      case 'draining':
        if (s.state === 'draining') return;
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

  /** One escalation per task is news and is broadcast; a repeat is not; past the bound it is a flood. */
  private onModeChange(s: AgentSession, msg: ModeChangeMessage, now: number): void {
    if (++s.modeChanges > RATES.modeChangesPerSession) {
      return this.expel(s, Codes.RATE_LIMITED, `more than ${RATES.modeChangesPerSession} mode-change messages`, now);
    }
    if (s.escalated.get(msg.task) === msg.mode) return;
    s.escalated.set(msg.task, msg.mode);
    this.log.warn('agent escalated task', { agentId: s.id, agent: s.name, task: msg.task, mode: msg.mode, why: msg.why, evidence: msg.evidence?.code });
    this.effects.notify({ kind: 'mode-escalated', at: now, agentId: s.id, agent: s.name, task: msg.task, mode: msg.mode, ...(msg.evidence ? { evidence: msg.evidence.code } : {}) });
  }

  /** The socket closed (or was closed by us). */
  disconnected(s: AgentSession, now: number): void {
    if (!isLive(s.state) && s.state !== 'joining') return;
    this.lose(s, 'closed', now);
  }

  /** Close a session for what it sent. Its partitions go back, but its loss is not held against them. */
  private expel(s: AgentSession, code: ErrorCode, message: string, now: number): void {
    this.log.warn('agent expelled', { agentId: s.id, agent: s.name, code, message });
    this.effects.close(s, code, message);
    if (isLive(s.state)) this.lose(s, 'closed', now, false);
  }

  private move(s: AgentSession, event: AgentEvent): void {
    s.state = agentTransition(s.state, event, s.id);
  }

  /**
   * The sessions a new one follows: its earlier session's lineage, when this
   * coordinator knows it. An earlier session still live is stale (the agent
   * has already reconnected), and ends now.
   */
  private ancestorsOf(previous: string | undefined, now: number): readonly string[] {
    if (previous === undefined) return [];
    const live = this.agents.get(previous);
    if (!live) return this.lineage.of(previous);
    // The same agent, reconnected: its old connection is stale. Close it, and hold nothing against its partitions.
    this.expel(live, Codes.DECLARED_DEAD, 'superseded: the agent re-joined as a new session', now);
    return [...live.lineage];
  }

  /** Declare a session gone and put everything it held back in the queue, at the front. */
  private lose(s: AgentSession, event: 'closed' | 'timeout', now: number, suspect = true): void {
    this.move(s, event);
    s.diedAt = now;
    const requeued = this.release(s, now, event === 'closed' ? 'agent-closed' : 'agent-timeout', suspect && s.state === 'dead');
    this.agents.delete(s.id);
    this.lineage.retire(s.id, s.lineage);
    const fields = { agentId: s.id, agent: s.name, state: s.state, requeued, silentMs: now - s.lastSeen };
    if (s.state === 'left') this.log.info('agent left', fields);
    else this.log.warn('agent lost', fields);
    const reason = s.state === 'left' ? 'left' : event;
    this.effects.notify({ kind: 'agent-lost', at: now, agentId: s.id, agent: s.name, reason, silentMs: now - s.lastSeen, requeued });
    if (event === 'timeout') this.effects.close(s, Codes.DECLARED_DEAD, `no heartbeat for ${now - s.lastSeen} ms; declared dead`);
  }

  /**
   * Put back what `s` held. When it died (rather than left), a partition that
   * was running on it is suspect: after `maxAttempts` such deaths it fails
   * the job (Dask's allowed-failures). A partition only queued there is not.
   */
  private release(s: AgentSession, now: number, reason: string, died: boolean): number {
    let requeued = 0;
    for (const p of [...s.held]) {
      if (p.spare === s) {
        p.spare = null;
        continue;
      }
      if (p.agent !== s || (p.state !== 'assigned' && p.state !== 'running')) continue;
      if (died && p.state === 'running') (p.deaths ??= []).push(s.name);
      if (p.deaths && p.deaths.length >= p.job.spec.maxAttempts) {
        p.job.fail(p, now, s.name, reason);
        this.failJob(p.job, partitionFailedError(p.job, p), now);
        continue;
      }
      if (this.takeBack(p, now, s.name, reason)) requeued++;
      this.effects.progress(p.job);
    }
    s.held.clear();
    return requeued;
  }

  /** Requeue `p` at the front, unless it has used every attempt number there is. True when requeued. */
  private takeBack(p: Partition, now: number, agent: string, reason: string): boolean {
    if (p.attempt < LIMITS.attempt.max) {
      p.job.requeue(p, now, agent, reason);
      return true;
    }
    p.job.fail(p, now, agent, reason);
    this.failJob(p.job, attemptsExhaustedError(p.job, p), now);
    return false;
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
    if (!job || job.finished) {
      // A late answer for a job that ended (or that a restart forgot): nothing to change.
      this.staleResults += items.length;
      return;
    }
    let msSum = 0;
    let accepted = 0;
    const cancels = new Map<AgentSession, number[]>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (job.finished) {
        // The job ended part-way through this frame (a failure in it): the rest is late, not forged.
        this.staleResults += items.length - i;
        break;
      }
      const p = job.partitions[item.p];
      if (!p || !p.issued(item.a, s.lineage)) {
        // Expelled: what it was issued and answered earlier in this frame still counts (below).
        if (this.unissued(s, job, item, now)) break;
        continue;
      }
      s.held.delete(p);
      if (p.spare && s.lineage.has(p.spare.id)) p.spare = null;
      if (p.state === 'succeeded' || p.state === 'failed' || job.finished) {
        if (item.ok) job.duplicates++;
        continue;
      }
      if (!item.ok) {
        this.onFailure(job, p, s, item, now);
        continue;
      }
      this.accept(job, p, s, item, now, cancels);
      msSum += item.ms;
      accepted++;
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

  /** The first result for `p`: keep it, and cancel the other copy, if any. */
  private accept(job: Job, p: Partition, s: AgentSession, item: ResultOk, now: number, cancels: Map<AgentSession, number[]>): void {
    for (const other of job.succeed(p, s, item, now)) {
      let list = cancels.get(other);
      if (!list) cancels.set(other, (list = []));
      list.push(p.index);
    }
    s.accepted++;
    this.effects.accepted(job, p, item.a);
  }

  /** A result for an attempt this session was never issued: drop and count it; past the bound, expel the session. True when expelled. */
  private unissued(s: AgentSession, job: Job, item: ResultItem, now: number): boolean {
    job.unissued++;
    this.unissuedResults++;
    if (++s.unissued === 1) this.log.warn('result for an attempt never issued to this agent', { agentId: s.id, agent: s.name, jobId: job.id, partition: item.p, attempt: item.a });
    if (s.unissued <= RATES.unissuedResultsPerSession) return false;
    this.expel(s, Codes.RESULT_NOT_ISSUED, `${s.unissued} results for attempts never issued to this session`, now);
    return true;
  }

  private onFailure(job: Job, p: Partition, s: AgentSession, item: Extract<ResultItem, { ok: false }>, now: number): void {
    // Handed back unrun by a draining agent: a loss, not a failed attempt. Only a draining agent hands
    // work back; from any other, a hand-back is a failed attempt (else a rogue could loop a partition).
    if ((item.error.code === Codes.CANCELLED || item.error.code === Codes.SHUTTING_DOWN) && s.state === 'draining') {
      if (p.agent === s && item.a === p.attempt && (p.state === 'assigned' || p.state === 'running')) this.takeBack(p, now, s.name, item.error.code);
      return;
    }
    // One failure per attempt: the coordinator may already have timed this attempt out itself.
    if (p.failures?.some((f) => f.attempt === item.a)) return;
    s.failed++;
    this.attemptFailed(job, p, { attempt: item.a, agent: s.name, mode: item.mode, error: item.error }, p.agent === s && item.a === p.attempt, now);
  }

  /** Record a failed attempt; when it was the current one, retry the partition or, out of attempts, fail the job. */
  private attemptFailed(job: Job, p: Partition, failure: AttemptFailure, current: boolean, now: number): void {
    (p.failures ??= []).push(failure);
    if (!current) return; // an older copy failed; the current attempt goes on
    if (p.failures.length >= job.spec.maxAttempts) {
      job.fail(p, now, failure.agent, failure.error.code);
      this.failJob(job, partitionFailedError(job, p), now);
      return;
    }
    if (p.attempt >= LIMITS.attempt.max) {
      job.fail(p, now, failure.agent, failure.error.code);
      this.failJob(job, attemptsExhaustedError(job, p), now);
      return;
    }
    job.retryLater(p, now, failure.agent, failure.error.code);
    this.log.warn('partition attempt failed', { jobId: job.id, partition: p.index, attempt: failure.attempt, agent: failure.agent, code: failure.error.code });
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

  /** Drop a finished job from memory (its report is no longer served). */
  forget(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job?.finished) this.jobs.delete(jobId);
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
    const grace = this.config.timeoutGraceMs ?? DEFAULT_TIMEOUT_GRACE_MS;
    for (const job of [...this.active]) {
      for (const p of overdue(job, now, grace)) this.reclaimOverdue(job, p, now);
      if (!job.finished) this.speculate(job, now);
    }
  }

  /** The agent did not answer within the deadline: count a timed-out attempt here, and tell the holder to stop. */
  private reclaimOverdue(job: Job, p: Partition, now: number): void {
    const holder = p.agent;
    if (!holder || job.finished) return;
    const runningMs = now - (p.state === 'running' ? p.startedAt : p.assignedAt);
    holder.held.delete(p);
    this.effects.send(holder, { type: 'cancel', jobId: job.id, items: [p.index] });
    this.log.warn('partition past its deadline; reclaimed', { jobId: job.id, partition: p.index, attempt: p.attempt, agent: holder.name, state: p.state, runningMs });
    const error = { code: Codes.PARTITION_TIMEOUT, name: 'CohortError', message: `no result within timeoutMs ${job.spec.timeoutMs} (coordinator deadline, ${runningMs} ms since ${p.state === 'running' ? 'start' : 'assignment'})` };
    this.attemptFailed(job, p, { attempt: p.attempt, agent: holder.name, mode: undefined, error }, true, now);
  }

  private speculate(job: Job, now: number): void {
    const candidates = stragglers(job, now, this.config.speculation);
    if (candidates.length === 0) return;
    const median = Math.round(job.durations.quantile(0.5) ?? 0);
    const ready = [...this.agents.values()].filter((s) => acceptsWork(s.state));
    for (const p of candidates) {
      const holder = p.agent!;
      if (!ready.some((s) => s !== holder)) return;
      job.speculate(p, now);
      this.log.info('speculative copy', { jobId: job.id, partition: p.index, runningMs: now - p.startedAt, medianMs: median, agent: holder.name });
      this.effects.notify({ kind: 'speculative-copy', at: now, jobId: job.id, partition: p.index, agent: holder.name, runningMs: now - p.startedAt });
    }
  }

  // ------------------------------------------------------------------ scheduling

  /** Fill every ready agent's credit from the queued partitions (scheduler.ts), and send the batches. */
  schedule(now: number): void {
    for (const { session, message } of planAssignments(this.active, this.agents.values(), now)) this.effects.send(session, message);
  }
}
