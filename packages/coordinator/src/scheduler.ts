/**
 * The scheduler: fill every ready agent's credit from the queued partitions,
 * in proportion to free credit, one `assign` batch per agent per job. Between
 * jobs, an agent's share goes by fair share (fair-share.ts: weighted by
 * priority) or, with `scheduling: 'fifo'`, to the jobs in submission order.
 * No I/O: it moves partitions to `assigned` and returns the messages to send.
 */
import type { AssignItem, AssignMessage } from '@cohort/shared';
import { acceptsWork } from './agent-machine.js';
import type { AgentSession } from './agent-session.js';
import type { FairShare } from './fair-share.js';
import type { Job } from './job.js';

export interface Assignment {
  session: AgentSession;
  message: AssignMessage;
}

/** `fair` absent: first come, first served. */
export function planAssignments(active: readonly Job[], sessions: Iterable<AgentSession>, now: number, fair?: FairShare): Assignment[] {
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
    const quota = Math.min(s.credit, Math.ceil((waiting * s.credit) / totalCredit));
    const batches = new Map<Job, AssignItem[]>();
    const take = (job: Job, n: number): number => {
      let items = batches.get(job);
      let got = 0;
      for (; got < n; got++) {
        const p = job.take(s, live);
        if (!p) break;
        job.assign(p, s, now);
        if (!items) batches.set(job, (items = []));
        items.push({ p: p.index, a: p.attempt, input: p.input });
      }
      return got;
    };
    if (fair) fair.fill(active, quota, take);
    else firstComeFirstServed(active, quota, take);
    for (const [job, items] of batches) out.push({ session: s, message: { ...job.header, items } });
  }
  return out;
}

function firstComeFirstServed(active: readonly Job[], quota: number, take: (job: Job, n: number) => number): void {
  let left = quota;
  for (const job of active) {
    if (left === 0) return;
    left -= take(job, left);
  }
}
