/**
 * A job and its partitions, as data with no I/O. Every move of a partition
 * (partition-machine.ts) and of the job's status (job-machine.ts) is a method
 * here that does its own bookkeeping, in one place: the holder (`p.agent`,
 * `p.spare`, the session's `held`), the job's queues and `inflight`, and the
 * counts. No other file writes those fields.
 */
import type { AssignMessage, ErrorCode, Isolation, SharedRef, JobStatus, ModeReason, ResultOk, SlotMode, TaskModule, WireError } from '@cohort/shared';
import { Deque } from '@cohort/shared/internal';
import type { AgentSession } from './agent-session.js';
import { isFinal, jobTransition, type JobEvent } from './job-machine.js';
import { transition, type PartitionRecord, type PartitionState, type Transition } from './partition-machine.js';
import { DurationHistogram } from './quantile.js';

export type { JobStatus };

export interface JobSpec {
  task: string;
  input: unknown;
  partitions: number;
  /** Per-partition limit; 0 means none. */
  timeoutMs: number;
  /** Failed attempts (error, crash, timeout) after which the job fails. Losses to a dead agent do not count. */
  maxAttempts: number;
  /** The job's weight when running jobs share the slots (LIMITS.priority); 1 when absent. */
  priority?: number;
  /** The job's shared value (`ctx.shared` in every partition), stored by hash; absent without one. */
  shared?: SharedRef;
}

export type JobError = WireError & { code: ErrorCode };

/** A result reloaded from the journal after a restart. */
export interface RecoveredResult {
  value: unknown;
  ms: number;
  mode: SlotMode;
  agent: string;
}

export interface AttemptFailure {
  attempt: number;
  agent: string;
  /** Undefined when the coordinator itself timed the attempt out. */
  mode: SlotMode | undefined;
  error: WireError;
}

/** Earlier attempts of a partition that may still be answered. */
export const MAX_EARLIER_ATTEMPTS = 16;

export class Partition implements PartitionRecord {
  state: PartitionState = 'pending';
  attempt = 0;
  history?: Transition[];
  /** The session holding the current attempt. */
  agent: AgentSession | null = null;
  /** The session still running an earlier attempt after a speculative copy was issued. */
  spare: AgentSession | null = null;
  /** When the spare's attempt started (for the task stream's bar of the copy that loses). */
  spareSince = 0;
  assignedAt = 0;
  startedAt = 0;
  value: unknown = undefined;
  ms = 0;
  mode: SlotMode | undefined;
  why: ModeReason | undefined;
  /** The agent whose result was accepted. */
  winner: string | undefined;
  /** The attempt whose result was accepted (0 for a result reloaded from the journal). */
  won = 0;
  failures?: AttemptFailure[];
  /** Agents that died (closed or silent) while this partition ran on them: Dask's suspicious count. */
  deaths?: string[];
  speculated = false;
  /** The session id the current attempt was issued to; only it (or its heirs) may answer it. */
  issuedTo: string | undefined;
  /** Earlier attempts that may still be answered, as [attempt, session id]; absent until a second attempt. */
  earlier?: Array<[attempt: number, sessionId: string]>;

  constructor(
    readonly job: Job,
    readonly index: number,
    public input: unknown,
  ) {}

  /** True when attempt `a` of this partition was issued to one of the sessions in `lineage`. */
  issued(a: number, lineage: ReadonlySet<string>): boolean {
    if (a === this.attempt) return this.issuedTo !== undefined && lineage.has(this.issuedTo);
    if (this.earlier) for (const [attempt, id] of this.earlier) if (attempt === a) return lineage.has(id);
    return false;
  }
}

/** Where a partition's current attempt started: on its slot when it did, else when it was sent. */
export function startOf(p: Partition): number {
  return p.state === 'running' ? p.startedAt : p.assignedAt;
}

export interface AgentShare {
  partitions: number;
  thread: number;
  process: number;
}

export class Job {
  status: JobStatus = 'queued';
  /** Emptied when the job is released (finished): a finished job keeps its report and result only. */
  partitions: Partition[];
  readonly total: number;
  /** Fresh partitions, in order. */
  readonly pending = Deque.ints();
  /** Partitions that came back (lost, retried, speculated): they go first. */
  readonly retry = Deque.ints();
  /** Partitions assigned and not yet finished, for the straggler check. */
  readonly inflight = new Set<Partition>();
  readonly durations = new DurationHistogram();
  readonly agents = new Map<string, AgentShare>();
  readonly modeReasons = new Map<string, number>();
  /** Partition indices in the order their results were accepted (result streams replay them in this order). */
  accepted: number[] = [];
  startedAt = 0;
  finishedAt = 0;
  done = 0;
  attempts = 0;
  duplicates = 0;
  requeued = 0;
  speculative = 0;
  /** Partitions whose accepted results were reloaded from the journal after a restart. */
  recovered = 0;
  /** Sum of the accepted partitions' run times inside their slots, ms: the work, without scheduling. */
  slotMs = 0;
  /** Rebuilt from the journal after a restart. */
  restored = false;
  /** Results dropped because their attempt was never issued to the session that sent them. */
  unissued = 0;
  result: unknown = undefined;
  error: JobError | undefined;
  /** With a shared value: the ids of the sessions sent an assign of this job, told to release it when it ends (shared-serving.ts). */
  sharedSessions: Set<string> | undefined;

  constructor(
    readonly id: string,
    readonly spec: JobSpec,
    readonly isolation: Isolation,
    readonly createdAt: number,
    inputs: unknown[],
    /** The loaded task, for `merge`; absent in tests that never merge. Dropped on release. */
    public task?: TaskModule,
  ) {
    this.partitions = inputs.map((input, i) => new Partition(this, i, input));
    this.total = inputs.length;
    for (let i = 0; i < inputs.length; i++) this.pending.push(i);
    this.header = {
      type: 'assign',
      jobId: id,
      task: spec.task,
      isolation,
      timeoutMs: spec.timeoutMs,
      ...(spec.shared && { shared: spec.shared }),
      ...(task?.profile.sharedInput === true && { sharedInput: true }),
      ...(spec.priority !== undefined && spec.priority !== 1 && { priority: spec.priority }),
    };
  }

  /** Every field of this job's `assign` messages but the items: the same object each time. */
  readonly header: Readonly<Omit<AssignMessage, 'items'>>;

  /** Issue the next attempt of `p` to `s`. */
  assign(p: Partition, s: AgentSession, now: number): void {
    transition(p, 'assign', now, s.name);
    if (p.issuedTo !== undefined) {
      const earlier = (p.earlier ??= []);
      earlier.push([p.attempt, p.issuedTo]);
      // A late answer to an attempt older than this is dropped (and the partition simply runs again):
      // the check stays O(1) whatever a loss loop did.
      if (earlier.length > MAX_EARLIER_ATTEMPTS) earlier.shift();
    }
    p.attempt++;
    p.issuedTo = s.id;
    p.agent = s;
    p.assignedAt = now;
    p.startedAt = now;
    s.held.add(p);
    this.inflight.add(p);
    this.attempts++;
    if (this.status === 'queued') {
      this.move('start');
      this.startedAt = now;
    }
  }

  /** The agent said attempt `attempt` of `p` entered a slot: its run time counts from now. */
  started(p: Partition, s: AgentSession, attempt: number, now: number): void {
    if (p.agent !== s || p.attempt !== attempt || p.state !== 'assigned') return;
    transition(p, 'start', now, s.name);
    p.startedAt = now;
  }

  /** `s` answered `p` (whatever the outcome): it no longer holds it, nor does the earlier session whose copy it ran. */
  answered(p: Partition, s: AgentSession): void {
    s.held.delete(p);
    if (p.spare && s.lineage.has(p.spare.id)) p.spare = null;
  }

  /** `s` is gone: when it ran the original of a speculative copy, forget it as the spare. True when it was. */
  dropSpare(p: Partition, s: AgentSession): boolean {
    if (p.spare !== s) return false;
    p.spare = null;
    return true;
  }

  /** The agent running `p` died while it ran: Dask's suspicious count. */
  died(p: Partition, agent: string): void {
    (p.deaths ??= []).push(agent);
  }

  /** A result reloaded from the journal: `p` is done without running again. */
  recover(p: Partition, r: RecoveredResult, now: number): void {
    transition(p, 'succeed', now, r.agent, 'recovered');
    p.value = r.value;
    p.ms = r.ms;
    p.mode = r.mode;
    p.winner = r.agent;
    this.accepted.push(p.index);
    this.done++;
    this.recovered++;
    this.durations.add(r.ms);
  }

  /** Take `p` back from its holder and queue it first (a loss: agent gone, handed back, speculation, timeout). */
  requeue(p: Partition, now: number, agent: string, reason: string): void {
    transition(p, 'lost', now, agent, reason);
    this.unhold(p);
    this.retry.unshift(p.index);
    this.requeued++;
  }

  /**
   * The first result for `p`, from `s`: keep it and count it. Returns the
   * other sessions that held a copy (the spare, or the current holder when an
   * earlier attempt won), which no longer hold it and should be told to stop.
   */
  succeed(p: Partition, s: AgentSession, item: ResultOk, now: number): AgentSession[] {
    if (p.state === 'assigned') transition(p, 'start', now, s.name);
    transition(p, 'succeed', now, s.name);
    p.value = item.value;
    p.ms = item.ms;
    p.mode = item.mode;
    p.why = item.why;
    p.winner = s.name;
    p.won = item.a;
    this.accepted.push(p.index);
    const others: AgentSession[] = [];
    for (const other of [p.agent, p.spare]) if (other && other !== s && other.held.delete(p)) others.push(other);
    p.agent = null;
    p.spare = null;
    this.inflight.delete(p);
    this.done++;
    this.slotMs += item.ms;
    this.durations.add(item.ms);
    this.recordShare(s.name, item.mode, item.why);
    return others;
  }

  /** Issue a copy of a straggler elsewhere: its holder keeps running the original, as the spare. */
  speculate(p: Partition, now: number): void {
    const holder = p.agent!;
    // Where the original started, read before the transition (after it the partition is pending).
    p.spareSince = startOf(p);
    transition(p, 'lost', now, holder.name, 'speculation');
    p.speculated = true;
    p.spare = holder;
    p.agent = null;
    this.inflight.delete(p);
    this.retry.unshift(p.index);
    this.speculative++;
  }

  /** A failed attempt with attempts left: queue `p` behind the others. */
  retryLater(p: Partition, now: number, agent: string, reason: string): void {
    transition(p, 'retry', now, agent, reason);
    this.unhold(p);
    this.retry.push(p.index);
    this.requeued++;
  }

  /** `p` failed for good (the job fails with it). */
  failPartition(p: Partition, now: number, agent: string, reason: string): void {
    transition(p, 'fail', now, agent, reason);
    this.unhold(p);
  }

  private unhold(p: Partition): void {
    if (p.agent) p.agent.held.delete(p);
    p.agent = null;
    this.inflight.delete(p);
  }

  // ---------------------------------------------------------------- status

  /** Every partition is in: the job merges next. */
  complete(): void {
    this.move('complete');
  }

  /** The merge returned a result: the job succeeded. */
  merged(result: unknown, now: number): void {
    this.move('merged');
    this.result = result;
    this.finishedAt = now;
  }

  /**
   * The job ends failed (or cancelled, for a CANCELLED error). Every session
   * holding one of its partitions lets go; returns those sessions, to be told
   * to drop the job.
   */
  end(error: JobError, now: number, cancelled: boolean): Set<AgentSession> {
    this.move(cancelled ? 'cancel' : 'fail');
    this.error = error;
    this.finishedAt = now;
    const holders = new Set<AgentSession>();
    for (const p of this.inflight) {
      for (const s of [p.agent, p.spare]) if (s?.held.delete(p)) holders.add(s);
    }
    this.inflight.clear();
    return holders;
  }

  private move(event: JobEvent): void {
    this.status = jobTransition(this, event);
  }

  /**
   * A finished job keeps its report and its merged result, and nothing else:
   * inputs, partitions, histories, values and the task module go, so that
   * memory is bounded by the jobs running, not the jobs run.
   */
  release(): void {
    // Replaced, not emptied: a result stream still replaying holds the old arrays until it is done.
    this.partitions = [];
    this.accepted = [];
    this.spec.input = undefined;
    this.task = undefined;
    this.pending.clear();
    this.retry.clear();
    this.inflight.clear();
  }

  get finished(): boolean {
    return isFinal(this.status);
  }

  /** Partitions waiting for a slot, counting lazily-deleted entries once they are skipped. */
  get waiting(): number {
    return this.pending.length + this.retry.length;
  }

  /** The next partition to run on `agent`, or undefined. Entries no longer pending are skipped (lazy deletion). */
  take(agent: AgentSession, liveAgents: number): Partition | undefined {
    // A retried partition prefers an agent it has not failed on, while one exists.
    for (let scanned = 0, n = this.retry.length; scanned < n && scanned < 32; scanned++) {
      const i = this.retry.shift()!;
      const p = this.partitions[i]!;
      if (p.state !== 'pending') continue;
      // A speculative copy runs elsewhere than the original.
      if (p.spare === agent && liveAgents > 1) {
        this.retry.push(i);
        continue;
      }
      if (p.failures && liveAgents > 1 && p.failures.some((f) => f.agent === agent.name) && p.failures.length < liveAgents) {
        this.retry.push(i);
        continue;
      }
      return p;
    }
    for (;;) {
      const i = this.pending.shift();
      if (i === undefined) return undefined;
      const p = this.partitions[i]!;
      if (p.state === 'pending') return p;
    }
  }

  recordShare(agentName: string, mode: SlotMode, why: ModeReason): void {
    let share = this.agents.get(agentName);
    if (!share) this.agents.set(agentName, (share = { partitions: 0, thread: 0, process: 0 }));
    share.partitions++;
    share[mode]++;
    this.modeReasons.set(`${mode}:${why}`, (this.modeReasons.get(`${mode}:${why}`) ?? 0) + 1);
  }
}

/** `s` is gone and everything it held has been put back or failed: it holds nothing now. */
export function forgetHeld(s: AgentSession): void {
  s.held.clear();
}
