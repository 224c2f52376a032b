/**
 * A job and its partitions, as data with no I/O. The cluster (cluster.ts)
 * moves partitions through the partition machine and keeps the counts here.
 */
import type { ErrorCode, Isolation, ModeReason, SlotMode, WireError } from '@cohort/shared';
import type { AgentSession } from './agent-session.js';
import { IntDeque } from './deque.js';
import type { PartitionRecord, PartitionState, Transition } from './partition-machine.js';
import { DurationHistogram } from './quantile.js';

export type JobStatus = 'queued' | 'running' | 'merging' | 'succeeded' | 'failed' | 'cancelled';

export interface JobSpec {
  task: string;
  input: unknown;
  partitions: number;
  /** Per-partition limit; 0 means none. */
  timeoutMs: number;
  /** Failed attempts (error, crash, timeout) after which the job fails. Losses to a dead agent do not count. */
  maxAttempts: number;
}

export interface AttemptFailure {
  attempt: number;
  agent: string;
  mode: SlotMode;
  error: WireError;
}

export class Partition implements PartitionRecord {
  state: PartitionState = 'pending';
  attempt = 0;
  history?: Transition[];
  /** The session holding the current attempt. */
  agent: AgentSession | null = null;
  /** The session still running an earlier attempt after a speculative copy was issued. */
  spare: AgentSession | null = null;
  assignedAt = 0;
  startedAt = 0;
  value: unknown = undefined;
  ms = 0;
  mode: SlotMode | undefined;
  why: ModeReason | undefined;
  /** The agent whose result was accepted. */
  winner: string | undefined;
  failures?: AttemptFailure[];
  speculated = false;

  constructor(
    readonly job: Job,
    readonly index: number,
    readonly input: unknown,
  ) {}
}

export interface AgentShare {
  partitions: number;
  thread: number;
  process: number;
}

export class Job {
  status: JobStatus = 'queued';
  readonly partitions: Partition[];
  /** Fresh partitions, in order. */
  readonly pending = new IntDeque();
  /** Partitions that came back (lost, retried, speculated): they go first. */
  readonly retry = new IntDeque();
  /** Partitions assigned and not yet finished, for the straggler check. */
  readonly inflight = new Set<Partition>();
  readonly durations = new DurationHistogram();
  readonly agents = new Map<string, AgentShare>();
  readonly modeReasons = new Map<string, number>();
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
  /** Rebuilt from the journal: agents may hold results of attempts this coordinator never issued. */
  restored = false;
  result: unknown = undefined;
  error: (WireError & { code: ErrorCode }) | undefined;

  constructor(
    readonly id: string,
    readonly spec: JobSpec,
    readonly isolation: Isolation,
    readonly createdAt: number,
    inputs: unknown[],
  ) {
    this.partitions = inputs.map((input, i) => new Partition(this, i, input));
    for (let i = 0; i < inputs.length; i++) this.pending.push(i);
  }

  get total(): number {
    return this.partitions.length;
  }

  get finished(): boolean {
    return this.status === 'succeeded' || this.status === 'failed' || this.status === 'cancelled';
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
