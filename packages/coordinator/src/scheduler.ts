/**
 * The scheduler: fill every ready agent's credit from the queued partitions,
 * in proportion to free credit, one `assign` batch per agent per job. No I/O:
 * it moves partitions to `assigned` and returns the messages to send.
 */
import type { AssignItem, AssignMessage } from '@cohort/shared';
import { acceptsWork } from './agent-machine.js';
import type { AgentSession } from './agent-session.js';
import type { Job } from './job.js';

export interface Assignment {
  session: AgentSession;
  message: AssignMessage;
}

export function planAssignments(active: readonly Job[], sessions: Iterable<AgentSession>, now: number): Assignment[] {
  if (active.length === 0) return [];
  const ready: AgentSession[] = [];
  let totalCredit = 0;
  /** Agents that may take work now or soon: a draining one never will, so a retry must not wait for it. */
  let live = 0;
  for (const s of sessions) {
    if (s.state === 'ready' || s.state === 'suspect') live++;
    if (acceptsWork(s.state) && s.credit > 0) {
      ready.push(s);
      totalCredit += s.credit;
    }
  }
  if (ready.length === 0) return [];
  let waiting = 0;
  for (const job of active) waiting += job.waiting;
  if (waiting === 0) return [];
  ready.sort((a, b) => b.credit - a.credit);
  const out: Assignment[] = [];
  for (const s of ready) {
    let quota = Math.min(s.credit, Math.ceil((waiting * s.credit) / totalCredit));
    for (const job of active) {
      if (quota === 0) break;
      const items: AssignItem[] = [];
      while (quota > 0) {
        const p = job.take(s, live);
        if (!p) break;
        job.assign(p, s, now);
        items.push({ p: p.index, a: p.attempt, input: p.input });
        quota--;
      }
      if (items.length === 0) continue;
      out.push({ session: s, message: { ...job.header, items } });
    }
  }
  return out;
}
