/**
 * Who may answer what after a reconnect. An agent that re-joins names its
 * earlier session in `hello`; the new session may then answer the attempts
 * issued to that session and to the ones before it. The lineages of ended
 * sessions are kept for a bounded number of sessions, oldest forgotten first.
 */

/** Ended sessions remembered, so that a re-joining agent may still answer what its earlier session was issued. */
export const RETIRED_SESSIONS = 4096;

export class SessionLineage {
  /** Oldest first: a Map keeps insertion order. */
  private readonly retired = new Map<string, readonly string[]>();

  /** The lineage of an ended session (itself included), or none when it is unknown or forgotten. */
  of(sessionId: string): readonly string[] {
    return this.retired.get(sessionId) ?? [];
  }

  retire(sessionId: string, lineage: Iterable<string>): void {
    this.retired.set(sessionId, [...lineage]);
    if (this.retired.size > RETIRED_SESSIONS) this.retired.delete(this.retired.keys().next().value!);
  }
}
