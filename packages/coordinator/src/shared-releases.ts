/**
 * Releases owed to agents that were away when a job with a shared value
 * ended: a session sent an assign of the job, but not live (its agent
 * reconnecting) when `release` went out. Without this, the agent holds the
 * value for ever and, at its `maxSharedBytes`, refuses every later job's
 * value with SHARED_TOO_LARGE. The releases are sent to the session that
 * re-joins in its place (its lineage names it), once.
 *
 * Bounded like the lineages (RETIRED_SESSIONS sessions, oldest forgotten
 * first) and per session (MAX_OWED_JOBS jobs, oldest dropped).
 */
import { RETIRED_SESSIONS } from './lineage.js';

/** The most jobs owed to one away session. */
export const MAX_OWED_JOBS = 1024;

export class OwedReleases {
  /** Session id -> ids of the ended jobs it was sent an assign of. Oldest first. */
  private readonly owed = new Map<string, string[]>();

  /** Session `sessionId` (not live now) was sent an assign of `jobId`, which ended. */
  owe(sessionId: string, jobId: string): void {
    let jobs = this.owed.get(sessionId);
    if (!jobs) {
      this.owed.set(sessionId, (jobs = []));
      if (this.owed.size > RETIRED_SESSIONS) this.owed.delete(this.owed.keys().next().value!);
    }
    jobs.push(jobId);
    if (jobs.length > MAX_OWED_JOBS) jobs.shift();
  }

  /** The jobs owed to any session of `lineage` (a session that re-joined), forgotten as they are taken. */
  take(lineage: Iterable<string>): string[] {
    const jobs: string[] = [];
    for (const id of lineage) {
      const owed = this.owed.get(id);
      if (!owed) continue;
      this.owed.delete(id);
      jobs.push(...owed);
    }
    return jobs;
  }

  get size(): number {
    return this.owed.size;
  }
}
