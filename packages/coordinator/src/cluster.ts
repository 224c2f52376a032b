/**
 * The coordinator's brain, as a pure state machine: agent sessions and jobs
 * go in as inputs (join, receive, disconnected, tick, submit, cancel,
 * merged, retire, schedule), and each input returns the list of effects the
 * outside world must carry out (effects.ts): send, close, journal, merge,
 * progress, notify, finished. coordinator.ts is the one executor; tests feed
 * inputs and match the effects. No I/O, no timers: time is an argument.
 * Model: dask's `WorkerState.handle_stimulus`, which returns instructions.
 *
 * Nothing an agent says is taken on trust: a result counts only when it
 * answers an attempt issued to that session (or to an earlier session of the
 * same agent), credit is capped by the coordinator, deadlines are enforced
 * here too, and floods close the session that sent them (results.ts). Where
 * a partition goes after a failed attempt or a loss is outcomes.ts.
 *
 * Cost per partition is O(1): queues are ring buffers, each session keeps the
 * set of partitions it holds, and nothing scans all partitions of a job.
 */
import {
  type AgentMessage,
  type BundleGetMessage,
  type SharedGetMessage,
  CohortError,
  RATES,
  bundleRef,
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
import { DEFAULT_MAX_AGENT_CREDIT, DEFAULT_TIMEOUT_GRACE_MS, type ClusterConfig } from './cluster-types.js';
import { overdue, stragglers } from './deadlines.js';
import { Effects, type Effect, type MergeOutcome } from './effects.js';
import { partitionFailedError } from './failure-report.js';
import { forgetHeld, type Job, type Partition } from './job.js';
import { SessionLineage } from './lineage.js';
import { Outcomes } from './outcomes.js';
import { ResultIntake, type Expulsion } from './results.js';
import { Retention } from './retention.js';
import { planAssignments } from './scheduler.js';
import { decideSharedGet, noteSharedIssue, releaseShared, sendOwedReleases } from './shared-serving.js';
import { OwedReleases } from './shared-releases.js';
import { FairShare } from './fair-share.js';
import { attemptEnded, attemptOf, startOf } from './attempt-ended.js';

export type { SpeculationConfig } from './deadlines.js';
export type { ClusterConfig, ClusterEvent } from './cluster-types.js';
export type { Effect, MergeOutcome } from './effects.js';

/** True when `s` holds a partition of a live job whose task is `task` (the job it named first, then any other). */
function holdsWorkOf(s: AgentSession, job: Job | undefined, task: string): boolean {
  if (job && !job.finished && job.spec.task === task) for (const p of s.held) if (p.job === job) return true;
  for (const p of s.held) if (p.job.spec.task === task && !p.job.finished) return true;
  return false;
}

export class Cluster {
  readonly agents = new Map<string, AgentSession>();
  readonly jobs = new Map<string, Job>();
  /** Jobs with work left, in submission order. */
  private active: Job[] = [];
  private heartbeatSeq = 0;
  private lastHeartbeatAt = 0;
  private lastTickAt = 0;
  private readonly lineage = new SessionLineage();
  private readonly owedReleases = new OwedReleases();
  private readonly retention = new Retention();
  private readonly fx = new Effects();
  private readonly outcomes: Outcomes;
  private readonly results: ResultIntake;
  /** Fair share's cursor and deficits; absent in FIFO mode. */
  private readonly fair: FairShare | undefined;

  constructor(
    private readonly config: ClusterConfig,
    private readonly log: Logger,
  ) {
    this.outcomes = new Outcomes(this.fx, log);
    this.results = new ResultIntake(this.fx, log, this.outcomes);
    this.fair = config.scheduling === 'fifo' ? undefined : new FairShare();
  }

  /** Results for jobs this coordinator does not know, or that have finished. */
  get staleResults(): number {
    return this.results.stale;
  }

  /** Results dropped because their attempt was never issued to the session that sent them. */
  get unissuedResults(): number {
    return this.results.unissued;
  }

  // ------------------------------------------------------------------ inputs: agents

  /** A socket sent a valid `hello`. The session is undefined when refused (the effects close the socket). */
  join(sessionId: string, hello: HelloMessage, now: number, conn: unknown): { session: AgentSession | undefined; effects: Effect[] } {
    const session = this.admit(sessionId, hello, now, conn);
    return { session, effects: this.fx.take() };
  }

  receive(s: AgentSession, msg: AgentMessage, now: number): Effect[] {
    this.onMessage(s, msg, now);
    return this.fx.take();
  }

  /** The socket closed (or was closed by us). */
  disconnected(s: AgentSession, now: number): Effect[] {
    if (isLive(s.state) || s.state === 'joining') this.lose(s, 'closed', now);
    return this.fx.take();
  }

  // ------------------------------------------------------------------ inputs: jobs

  submit(job: Job): Effect[] {
    this.jobs.set(job.id, job);
    if (job.done === job.total) {
      // Nothing to run: an empty job, or one whose every result was reloaded after a restart.
      job.complete();
      this.fx.merge(job);
    } else {
      this.active.push(job);
      this.log.info('job submitted', { jobId: job.id, task: job.spec.task, partitions: job.total });
    }
    return this.fx.take();
  }

  cancel(jobId: string, now: number): Effect[] {
    const job = this.jobs.get(jobId);
    if (job && !job.finished) this.outcomes.failJob(job, { code: Codes.CANCELLED, name: 'CohortError', message: 'job cancelled' }, now);
    return this.fx.take();
  }

  /** A bundle part asked for by `s` was sent (or refused): it may ask for another. */
  bundleServed(s: AgentSession): Effect[] {
    if (s.bundleReads > 0) s.bundleReads--;
    return this.fx.take();
  }

  /** A shared-value part asked for by `s` was sent (or refused): it may ask for another. */
  sharedServed(s: AgentSession): Effect[] {
    if (s.sharedReads > 0) s.sharedReads--;
    return this.fx.take();
  }

  /** The merge finished (or threw); the job is final. */
  merged(job: Job, outcome: MergeOutcome, now: number): Effect[] {
    if (job.finished) return [];
    if ('result' in outcome) job.merged(outcome.result, now);
    else job.end(outcome.error, now, false);
    this.log.info('job finished', {
      jobId: job.id,
      status: job.status,
      ms: job.finishedAt - job.createdAt,
      attempts: job.attempts,
      duplicates: job.duplicates,
    });
    this.fx.finished(job);
    return this.fx.take();
  }

  /**
   * The executor has recorded a finished job's end: drop its partitions, keep
   * its report, and forget the oldest finished jobs past the retention bounds.
   */
  retire(job: Job): Effect[] {
    if (!job.finished || this.jobs.get(job.id) !== job) return [];
    releaseShared(job, this.agents.values(), this.fx, this.owedReleases);
    job.release();
    for (const jobId of this.retention.keep(job.id, job.result)) this.jobs.delete(jobId);
    return this.fx.take();
  }

  /** Fill every ready agent's credit from the queued partitions (scheduler.ts). */
  schedule(now: number): Effect[] {
    this.pruneActive();
    for (const { session, message } of planAssignments(this.active, this.agents.values(), now, this.fair)) {
      if (message.shared) noteSharedIssue(this.jobs.get(message.jobId), session);
      this.fx.send(session, message);
    }
    return this.fx.take();
  }

  /** The effects of an input that threw part-way: what it had changed is still carried out. */
  pending(): Effect[] {
    return this.fx.take();
  }

  // ------------------------------------------------------------------ inputs: time

  /**
   * How often the coordinator beats to its agents: half of the silence after which an agent gives up on
   * it (heartbeatTimeoutMs), and never faster than the agents beat. The agents' own beats, which detect
   * a dead agent, keep heartbeatMs: only the direction that detects a dead coordinator is slower, and with
   * 10,000 agents it is 10,000 socket writes a second fewer (one write per agent per beat).
   */
  private get beatMs(): number {
    return Math.max(this.config.heartbeatMs, Math.floor(this.config.heartbeatTimeoutMs / 2));
  }

  /** Heartbeats out, failure detection, deadlines, speculation. Call every ~100 ms. */
  tick(now: number): Effect[] {
    this.pruneActive();
    this.forgivePause(now);
    if (now - this.lastHeartbeatAt >= this.beatMs) {
      this.lastHeartbeatAt = now;
      const hb: CoordinatorMessage = { type: 'heartbeat', seq: ++this.heartbeatSeq, sentAt: now };
      for (const s of this.agents.values()) if (isLive(s.state)) this.fx.send(s, hb);
    }
    for (const s of [...this.agents.values()]) this.checkSilence(s, now);
    const grace = this.config.timeoutGraceMs ?? DEFAULT_TIMEOUT_GRACE_MS;
    for (const job of [...this.active]) {
      for (const p of overdue(job, now, grace)) this.reclaimOverdue(job, p, now);
      if (!job.finished) this.speculate(job, now);
    }
    return this.fx.take();
  }

  /** Jobs that ended (failed, cancelled) or merge leave the active list. */
  private pruneActive(): void {
    if (this.active.some((job) => job.status !== 'queued' && job.status !== 'running')) {
      this.active = this.active.filter((job) => job.status === 'queued' || job.status === 'running');
    }
  }

  /**
   * If this process itself was paused (a long split, a GC pause, SIGSTOP),
   * timers run before the sockets are read, so every agent would look
   * silent. Time we could not listen is not silence.
   */
  private forgivePause(now: number): void {
    const pause = this.lastTickAt === 0 ? 0 : now - this.lastTickAt;
    this.lastTickAt = now;
    if (pause <= this.config.heartbeatMs) return;
    // Only the part beyond a normal tick gap: a timer firing a little late (tickMs may equal
    // heartbeatMs) must not erase the silence of an agent that really stopped talking.
    const lost = pause - this.config.heartbeatMs;
    for (const s of this.agents.values()) s.lastSeen = Math.min(now, s.lastSeen + lost);
    if (lost >= this.config.heartbeatMs) this.log.warn('coordinator paused; heartbeat clocks shifted', { pauseMs: pause });
  }

  private checkSilence(s: AgentSession, now: number): void {
    const silent = now - s.lastSeen;
    if (silent > this.config.heartbeatTimeoutMs) {
      this.lose(s, 'timeout', now);
    } else if (s.state === 'ready' && silent > 2 * this.config.heartbeatMs) {
      this.move(s, 'silence');
      this.log.warn('agent suspect', { agentId: s.id, agent: s.name, silentMs: silent });
      this.fx.notify({ kind: 'agent-suspect', at: now, agentId: s.id, agent: s.name, silentMs: silent });
    }
  }

  // ------------------------------------------------------------------ sessions

  private admit(sessionId: string, hello: HelloMessage, now: number, conn: unknown): AgentSession | undefined {
    const maxCredit = this.config.maxAgentCredit ?? DEFAULT_MAX_AGENT_CREDIT;
    const ancestors = hello.protocol === PROTOCOL_VERSION ? this.ancestorsOf(hello.previousSessionId, now) : [];
    const s = new AgentSession(sessionId, hello.name, hello.slots, hello.maxPrefetch, hello.mode, hello.hardware, now, conn, maxCredit, ancestors);
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.fx.close(s, Codes.PROTOCOL_VERSION, `coordinator speaks protocol ${PROTOCOL_VERSION}, agent ${hello.protocol}`);
      return undefined;
    }
    this.agents.set(s.id, s);
    this.move(s, 'welcome');
    this.fx.send(s, {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      sessionId: s.id,
      coordinatorVersion: VERSION,
      ...(this.config.coordinatorId && { coordinatorId: this.config.coordinatorId }),
      heartbeatMs: this.config.heartbeatMs,
      heartbeatTimeoutMs: this.config.heartbeatTimeoutMs,
    });
    sendOwedReleases(s, this.fx, this.owedReleases);
    this.log.info('agent joined', { agentId: s.id, agent: s.name, slots: s.slots, mode: s.mode, previous: hello.previousSessionId });
    this.fx.notify({ kind: 'agent-joined', at: now, agentId: s.id, agent: s.name, slots: s.slots, mode: s.mode });
    return s;
  }

  private onMessage(s: AgentSession, msg: AgentMessage, now: number): void {
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
        return this.results.started(this.jobs.get(msg.jobId), s, msg.items, now);
      case 'mode-change':
        return this.expelFor(s, this.results.modeChange(s, msg, now), now);
      case 'draining':
        if (s.state === 'draining') return;
        this.move(s, 'drain');
        this.log.info('agent draining', { agentId: s.id, agent: s.name, held: s.held.size });
        return;
      case 'bundle-get':
        return this.bundleGet(s, msg, now);
      case 'shared-get':
        return this.sharedGet(s, msg, now);
      case 'hello':
        this.fx.close(s, Codes.BAD_FRAME, 'hello sent twice on one connection');
        this.lose(s, 'closed', now);
        return;
      default:
        assertNever(msg, 'agent message');
    }
  }

  private onResults(s: AgentSession, jobId: string, items: readonly ResultItem[], now: number): void {
    const job = this.jobs.get(jobId);
    if (!job || job.finished) return this.results.late(items);
    const expulsion = this.results.results(s, job, items, now);
    if (job.status === 'running' && job.done === job.total) {
      job.complete();
      this.fx.merge(job);
    }
    this.expelFor(s, expulsion, now);
  }

  /**
   * An agent asks for a part of a bundle: served only when this session
   * holds a partition of a live job whose task is that bundle. An agent
   * learns no code it was not asked to run, and what it may have asked for
   * and not yet been sent is bounded.
   */
  private bundleGet(s: AgentSession, msg: BundleGetMessage, now: number): void {
    if (s.bundleReads >= RATES.bundleReadsInFlight) {
      return this.expel(s, Codes.RATE_LIMITED, `more than ${RATES.bundleReadsInFlight} bundle parts asked for and not yet sent`, now);
    }
    // The fetch names the job it began for; if that job ended meanwhile, another live job of the same bundle on this agent still counts.
    if (holdsWorkOf(s, this.jobs.get(msg.jobId), bundleRef(msg.hash))) {
      s.bundleReads++;
      return this.fx.serveBundle(s, msg.hash, msg.offset);
    }
    const error = new CohortError(Codes.BUNDLE_NOT_FOUND, 'no live job of this agent runs that bundle').toWire();
    delete error.stack;
    this.fx.send(s, { type: 'bundle-refused', hash: msg.hash, error });
  }

  /** An agent asks for a part of a job's shared value: served, refused or expelled by the rules of shared-serving.ts. */
  private sharedGet(s: AgentSession, msg: SharedGetMessage, now: number): void {
    const decision = decideSharedGet(s, this.jobs.get(msg.jobId), msg);
    if (decision.kind === 'expel') return this.expel(s, decision.code, decision.message, now);
    if (decision.kind === 'refuse') return this.fx.send(s, { type: 'shared-refused', hash: msg.hash, error: decision.error });
    s.sharedReads++;
    this.fx.serveShared(s, msg.hash, msg.offset);
  }

  private expelFor(s: AgentSession, expulsion: Expulsion | undefined, now: number): void {
    if (expulsion) this.expel(s, expulsion.code, expulsion.message, now);
  }

  /** Close a session for what it sent. Its partitions go back, but its loss is not held against them. */
  private expel(s: AgentSession, code: ErrorCode, message: string, now: number): void {
    this.log.warn('agent expelled', { agentId: s.id, agent: s.name, code, message });
    this.fx.close(s, code, message);
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
    this.fx.notify({ kind: 'agent-lost', at: now, agentId: s.id, agent: s.name, reason, silentMs: now - s.lastSeen, requeued });
    if (event === 'timeout') this.fx.close(s, Codes.DECLARED_DEAD, `no heartbeat for ${now - s.lastSeen} ms; declared dead`);
  }

  /**
   * Put back what `s` held. When it died (rather than left), a partition that
   * was running on it is suspect: after `maxAttempts` such deaths it fails
   * the job (Dask's allowed-failures). A partition only queued there is not.
   */
  private release(s: AgentSession, now: number, reason: string, died: boolean): number {
    let requeued = 0;
    for (const p of [...s.held]) {
      const job = p.job;
      // A job that failed earlier in this loop has let go of its partitions already.
      if (job.finished) continue;
      if (job.dropSpare(p, s)) {
        // The original of a speculative copy died with its agent: the copy runs on.
        attemptEnded(this.fx, p, { agent: s.name, attempt: attemptOf(p, s), startedAt: p.spareSince, outcome: 'speculative-lost', code: reason }, now);
        continue;
      }
      if (p.agent !== s || (p.state !== 'assigned' && p.state !== 'running')) continue;
      if (died && p.state === 'running') job.died(p, s.name);
      if (p.deaths && p.deaths.length >= job.spec.maxAttempts) {
        attemptEnded(this.fx, p, { agent: s.name, attempt: p.attempt, startedAt: startOf(p), outcome: 'failed', code: reason }, now);
        this.outcomes.failPartition(p, now, s.name, reason, partitionFailedError(job, p));
        continue;
      }
      if (this.outcomes.takeBack(p, now, s.name, reason)) requeued++;
      this.fx.progress(job);
    }
    forgetHeld(s);
    return requeued;
  }

  // ------------------------------------------------------------------ deadlines and stragglers

  /** The agent did not answer within the deadline: count a timed-out attempt here, and tell the holder to stop. */
  private reclaimOverdue(job: Job, p: Partition, now: number): void {
    const holder = p.agent;
    if (!holder || job.finished) return;
    const runningMs = now - startOf(p);
    this.fx.send(holder, { type: 'cancel', jobId: job.id, items: [p.index] });
    this.log.warn('partition past its deadline; reclaimed', {
      jobId: job.id,
      partition: p.index,
      attempt: p.attempt,
      agent: holder.name,
      state: p.state,
      runningMs,
    });
    const error = {
      code: Codes.PARTITION_TIMEOUT,
      name: 'CohortError',
      message: `no result within timeoutMs ${job.spec.timeoutMs} (coordinator deadline, ${runningMs} ms since ${p.state === 'running' ? 'start' : 'assignment'})`,
    };
    this.outcomes.attemptFailed(job, p, { attempt: p.attempt, agent: holder.name, mode: undefined, error }, true, now);
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
      this.fx.notify({ kind: 'speculative-copy', at: now, jobId: job.id, partition: p.index, agent: holder.name, runningMs: now - p.startedAt });
    }
  }
}
