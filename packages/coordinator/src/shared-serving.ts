/**
 * Serving jobs' shared values to agents, and telling them when to let go:
 * the rules the cluster core applies, with no I/O (the executor reads the
 * chunks, `serve-shared` in effects.ts).
 *
 * - A `shared-get` is served only when the session holds a partition of a
 *   live job whose shared value is that hash: the job it names first, then
 *   any other live job of that session. An agent learns no value it was not
 *   issued work of; anything else is refused with SHARED_NOT_FOUND.
 * - Its offset must be a multiple of SHARED_CHUNK_BYTES within the value
 *   (BAD_FRAME otherwise): refused, never a crash.
 * - Each session may have RATES.bundleReadsInFlight parts asked for and not
 *   yet sent (its own count, beside its bundle reads); past it, it is expelled.
 * - The sessions sent an `assign` of a job with a shared value are noted on
 *   the job; when it ends, each live one (or its heir, by lineage) is sent
 *   `release` once, and one that is away is sent it when it re-joins
 *   (shared-releases.ts).
 */
import { CohortError, ErrorCode, RATES, SHARED_CHUNK_BYTES, type SharedGetMessage, type SharedRef, type WireError } from '@cohort/shared';
import { isLive } from './agent-machine.js';
import type { AgentSession } from './agent-session.js';
import type { Effects } from './effects.js';
import type { Job } from './job.js';
import type { OwedReleases } from './shared-releases.js';

/** What to do with one `shared-get`. */
export type SharedGetDecision =
  | { kind: 'serve'; ref: SharedRef }
  | { kind: 'refuse'; error: WireError }
  | { kind: 'expel'; code: typeof ErrorCode.RATE_LIMITED; message: string };

/** The live job of `s` that shares `hash`: `named` when it does, else another job `s` holds a partition of. */
export function sharingJob(s: AgentSession, named: Job | undefined, hash: string): Job | undefined {
  if (named && !named.finished && named.spec.shared?.hash === hash) for (const p of s.held) if (p.job === named) return named;
  for (const p of s.held) if (!p.job.finished && p.job.spec.shared?.hash === hash) return p.job;
  return undefined;
}

/** True when `offset` starts a part of a value of `total` bytes (0 for an empty value). */
export function validSharedOffset(offset: number, total: number): boolean {
  return Number.isSafeInteger(offset) && offset % SHARED_CHUNK_BYTES === 0 && (offset < total || offset === 0);
}

function refusal(code: ErrorCode, message: string): SharedGetDecision {
  const error = new CohortError(code, message).toWire();
  delete error.stack;
  return { kind: 'refuse', error };
}

export function decideSharedGet(s: AgentSession, named: Job | undefined, msg: SharedGetMessage): SharedGetDecision {
  if (s.sharedReads >= RATES.bundleReadsInFlight) {
    return { kind: 'expel', code: ErrorCode.RATE_LIMITED, message: `more than ${RATES.bundleReadsInFlight} shared parts asked for and not yet sent` };
  }
  const job = sharingJob(s, named, msg.hash);
  if (!job?.spec.shared) return refusal(ErrorCode.SHARED_NOT_FOUND, 'no live job of this agent shares that value');
  const ref = job.spec.shared;
  if (!validSharedOffset(msg.offset, ref.bytes)) {
    return refusal(
      ErrorCode.BAD_FRAME,
      `offset ${msg.offset} does not start a part of shared value ${ref.hash} (${ref.bytes} bytes, parts of ${SHARED_CHUNK_BYTES})`,
    );
  }
  return { kind: 'serve', ref };
}

/** `s` was sent an assign of `job` (a job with a shared value): it must be told when the job ends. */
export function noteSharedIssue(job: Job | undefined, s: AgentSession): void {
  if (job?.spec.shared) (job.sharedSessions ??= new Set()).add(s.id);
}

/**
 * `job` ended: every live session that was sent an assign of it (or followed
 * one that was) is told to release it, once. A session reached by no live
 * one (its agent is reconnecting) is owed the release, sent when it re-joins.
 */
export function releaseShared(job: Job, sessions: Iterable<AgentSession>, fx: Effects, owed: OwedReleases): void {
  const issued = job.sharedSessions;
  if (!issued || issued.size === 0) return;
  job.sharedSessions = undefined;
  const unreached = new Set(issued);
  for (const s of sessions) {
    if (!isLive(s.state)) continue;
    let told = false;
    for (const id of s.lineage) {
      if (!issued.has(id)) continue;
      unreached.delete(id);
      if (!told) fx.send(s, { type: 'release', jobId: job.id });
      told = true;
    }
  }
  for (const id of unreached) owed.owe(id, job.id);
}

/** `s` joined: the releases owed to the sessions it follows are sent to it now. */
export function sendOwedReleases(s: AgentSession, fx: Effects, owed: OwedReleases): void {
  for (const jobId of owed.take(s.lineage)) fx.send(s, { type: 'release', jobId });
}
