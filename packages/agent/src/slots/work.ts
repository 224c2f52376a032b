/** Checking submitted work, and building failed results for work that never reached a slot. Pure. */
import { CohortError, ErrorCode, ISOLATIONS, isOneOf, type AssignItem, type Isolation, type ResultItem, type WireError } from '@cohort/shared';
import type { ModeChoice } from './mode.js';
import type { Assignment } from './types.js';

/**
 * What is wrong with an assignment's header, or undefined when it can run.
 * A frame from the coordinator has passed the wire check already (validate.ts,
 * BAD_FRAME); this one guards the pool's own callers, and refuses what the
 * wire allows but no slot can run (an empty job id or task name).
 */
export function checkJob(a: Assignment): string | undefined {
  if (a === null || typeof a !== 'object') return 'work must be an object';
  if (typeof a.jobId !== 'string' || a.jobId === '') return 'jobId must be a non-empty string';
  if (typeof a.task !== 'string' || a.task === '') return 'task must be a non-empty string';
  if (!isOneOf(a.isolation, ISOLATIONS)) return `isolation must be one of ${ISOLATIONS.join(', ')}`;
  if (typeof a.timeoutMs !== 'number' || !(a.timeoutMs >= 0)) return 'timeoutMs must be a number >= 0';
  if (!Array.isArray(a.items)) return 'items must be an array';
  return undefined;
}

/** What is wrong with one item, or undefined. */
export function checkItem(item: AssignItem): string | undefined {
  if (item === null || typeof item !== 'object') return 'an item must be an object';
  if (!Number.isInteger(item.p) || item.p < 0) return 'p must be a non-negative integer';
  if (!Number.isInteger(item.a) || item.a < 0) return 'a must be a non-negative integer';
  return undefined;
}

/** What `admit` makes of an assignment: the items to queue, the failed results of the rest, and why it was dropped whole. */
export interface Admitted {
  queue: readonly AssignItem[];
  refused: ResultItem[];
  /** Set when the assignment names no job, so that not even a failure can be reported. */
  problem?: string;
}

/**
 * Split an assignment into what the pool queues and what fails at once:
 * BAD_INPUT for a bad header (every item) or a bad item (alone), and
 * SHUTTING_DOWN for the rest when the pool is `closed`. The usual case, a
 * sound batch, returns its own items array. Pure.
 */
export function admit(a: Assignment, closed: boolean, choose: (task: string, isolation: Isolation) => ModeChoice): Admitted {
  const problem = checkJob(a);
  if (problem !== undefined && typeof a?.jobId !== 'string') return { queue: [], refused: [], problem };
  const items = Array.isArray(a.items) ? a.items : [];
  let clean = problem === undefined && !closed;
  for (let i = 0; i < items.length && clean; i++) clean = checkItem(items[i] as AssignItem) === undefined;
  if (clean) return { queue: items, refused: [] };
  const choice = choose(String(a.task), isOneOf(a.isolation, ISOLATIONS) ? a.isolation : 'auto');
  const queue: AssignItem[] = [];
  const refused: ResultItem[] = [];
  for (const item of items) {
    const bad = problem ?? checkItem(item);
    if (item === null || typeof item !== 'object') continue; // no partition to name: nothing to report
    if (bad !== undefined) refused.push(failedResult(item, wireError(ErrorCode.BAD_INPUT, `bad partition work: ${bad}`), choice));
    else if (closed) refused.push(failedResult(item, wireError(ErrorCode.SHUTTING_DOWN, 'the agent is draining or stopped'), choice));
    else queue.push(item);
  }
  return { queue, refused };
}

export function wireError(code: ErrorCode, message: string, details?: Record<string, unknown>): WireError {
  const wire = new CohortError(code, message, details ? { details } : {}).toWire();
  delete wire.stack;
  return wire;
}

export function failedResult(item: AssignItem, error: WireError, choice: ModeChoice, ms = 0): ResultItem {
  return { p: item.p, a: item.a, ok: false, error, ms, mode: choice.mode, why: choice.why };
}

/** Group failed results by job, preserving order, for one onResults call per job. */
export class ResultsByJob {
  private readonly byJob = new Map<string, ResultItem[]>();

  add(jobId: string, item: ResultItem): void {
    let items = this.byJob.get(jobId);
    if (!items) this.byJob.set(jobId, (items = []));
    items.push(item);
  }

  flush(emit: (jobId: string, items: ResultItem[]) => void): void {
    for (const [jobId, items] of this.byJob) emit(jobId, items);
    this.byJob.clear();
  }
}
