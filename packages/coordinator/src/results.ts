/**
 * What agents report about their partitions, checked and applied: `started`,
 * `results` and `mode-change`. No I/O: effects go into the cluster's list.
 *
 * Nothing is taken on trust. A result counts only when it answers an attempt
 * issued to the session that sent it (or to an earlier session of the same
 * agent); a few unissued results are dropped and counted, and a flood of
 * them returns an `Expulsion` for the cluster to carry out. Only a draining
 * agent may hand work back unrun.
 */
import { type ErrorCode, ErrorCode as Codes, RATES, clip, type Logger, type ModeChangeMessage, type ResultItem, type ResultOk } from '@cohort/shared';
import type { AgentSession } from './agent-session.js';
import type { Effects } from './effects.js';
import type { Job, Partition } from './job.js';
import type { Outcomes } from './outcomes.js';
import { attemptEnded, attemptOf, startOf } from './attempt-ended.js';

/** A session to close for what it sent; the cluster carries it out. */
export interface Expulsion {
  code: ErrorCode;
  message: string;
}

/** The most characters of a crash's evidence carried in a `mode-escalated` event's `why` (peer-supplied: made printable, one line). */
export const EVIDENCE_CHARS = 200;

export class ResultIntake {
  /** Results for jobs this coordinator does not know, or that have finished. */
  stale = 0;
  /** Results dropped because their attempt was never issued to the session that sent them. */
  unissued = 0;

  constructor(
    private readonly fx: Effects,
    private readonly log: Logger,
    private readonly outcomes: Outcomes,
  ) {}

  started(job: Job | undefined, s: AgentSession, items: ReadonlyArray<readonly [number, number]>, now: number): void {
    if (!job) return;
    for (const [index, attempt] of items) {
      const p = job.partitions[index];
      if (p) job.started(p, s, attempt, now);
    }
  }

  /** Apply a `results` frame from `s`, for a known, unfinished `job`. Returns an expulsion when the frame was a flood of forgeries. */
  results(s: AgentSession, job: Job, items: readonly ResultItem[], now: number): Expulsion | undefined {
    let expulsion: Expulsion | undefined;
    let msSum = 0;
    let accepted = 0;
    const cancels = new Map<AgentSession, number[]>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (job.finished) {
        // The job ended part-way through this frame (a failure in it): the rest is late, not forged.
        this.stale += items.length - i;
        break;
      }
      const p = job.partitions[item.p];
      if (!p?.issued(item.a, s.lineage)) {
        // Expelled: what it was issued and answered earlier in this frame still counts (below).
        expulsion = this.refuseUnissued(s, job, item);
        if (expulsion) break;
        continue;
      }
      job.answered(p, s);
      if (p.state === 'succeeded' || p.state === 'failed') {
        if (item.ok) job.duplicates++;
      } else if (!item.ok) {
        this.failure(job, p, s, item, now);
      } else {
        this.accept(job, p, s, item, now, cancels);
        msSum += item.ms;
        accepted++;
      }
    }
    if (accepted > 0) s.observeRunTime(msSum / accepted);
    for (const [other, list] of cancels) this.fx.send(other, { type: 'cancel', jobId: job.id, items: list });
    this.fx.progress(job);
    return expulsion;
  }

  /** A frame for a job that ended (or that a restart forgot): nothing to change. */
  late(items: readonly ResultItem[]): void {
    this.stale += items.length;
  }

  /** One escalation per task is news and is broadcast; a repeat is not; past the bound it is a flood. */
  modeChange(s: AgentSession, msg: ModeChangeMessage, now: number): Expulsion | undefined {
    if (++s.modeChanges > RATES.modeChangesPerSession) {
      return { code: Codes.RATE_LIMITED, message: `more than ${RATES.modeChangesPerSession} mode-change messages` };
    }
    if (s.escalated.get(msg.task) === msg.mode) return undefined;
    s.escalated.set(msg.task, msg.mode);
    this.log.warn('agent escalated task', { agentId: s.id, agent: s.name, task: msg.task, mode: msg.mode, why: msg.why, evidence: msg.evidence?.code });
    this.fx.notify({
      kind: 'mode-escalated',
      at: now,
      agentId: s.id,
      agent: s.name,
      task: msg.task,
      mode: msg.mode,
      ...(msg.evidence ? { evidence: msg.evidence.code, why: clip(msg.evidence.message, EVIDENCE_CHARS) } : {}),
    });
    return undefined;
  }

  /** The first result for `p`: keep it, and cancel the other copy, if any. */
  private accept(job: Job, p: Partition, s: AgentSession, item: ResultOk, now: number, cancels: Map<AgentSession, number[]>): void {
    const copies = p.speculated;
    // The other copies, read before `succeed` forgets them: plain locals, as this runs once per result.
    const holder = p.agent;
    const spare = p.spare;
    const holderAttempt = p.attempt; // the holder of a partition runs its current attempt
    const holderStart = startOf(p);
    const spareAttempt = spare && spare !== s ? attemptOf(p, spare) : 0;
    const others = job.succeed(p, s, item, now);
    attemptEnded(
      this.fx,
      p,
      { agent: s.name, attempt: item.a, outcome: copies ? 'speculative-won' : 'ok', startedAt: now - item.ms, mode: item.mode, ms: item.ms },
      now,
    );
    const lost = copies ? 'speculative-lost' : 'cancelled';
    for (const other of others) {
      if (other === holder) attemptEnded(this.fx, p, { agent: other.name, attempt: holderAttempt, startedAt: holderStart, outcome: lost }, now);
      else if (other === spare) attemptEnded(this.fx, p, { agent: other.name, attempt: spareAttempt, startedAt: p.spareSince, outcome: lost }, now);
      let list = cancels.get(other);
      if (!list) cancels.set(other, (list = []));
      list.push(p.index);
    }
    s.accepted++;
    this.fx.journal(job, p, item.a);
  }

  /** A result for an attempt this session was never issued: drop and count it; past the bound, the session is to be expelled. */
  private refuseUnissued(s: AgentSession, job: Job, item: ResultItem): Expulsion | undefined {
    job.unissued++;
    this.unissued++;
    if (++s.unissued === 1)
      this.log.warn('result for an attempt never issued to this agent', { agentId: s.id, agent: s.name, jobId: job.id, partition: item.p, attempt: item.a });
    if (s.unissued <= RATES.unissuedResultsPerSession) return undefined;
    return { code: Codes.RESULT_NOT_ISSUED, message: `${s.unissued} results for attempts never issued to this session` };
  }

  private failure(job: Job, p: Partition, s: AgentSession, item: Extract<ResultItem, { ok: false }>, now: number): void {
    // Handed back unrun by a draining agent: a loss, not a failed attempt. Only a draining agent hands
    // work back; from any other, a hand-back is a failed attempt (else a rogue could loop a partition).
    if ((item.error.code === Codes.CANCELLED || item.error.code === Codes.SHUTTING_DOWN) && s.state === 'draining') {
      if (p.agent === s && item.a === p.attempt && (p.state === 'assigned' || p.state === 'running')) this.outcomes.takeBack(p, now, s.name, item.error.code);
      return;
    }
    // One failure per attempt: the coordinator may already have timed this attempt out itself.
    if (p.failures?.some((f) => f.attempt === item.a)) return;
    s.failed++;
    this.outcomes.attemptFailed(job, p, { attempt: item.a, agent: s.name, mode: item.mode, error: item.error }, p.agent === s && item.a === p.attempt, now);
  }
}
