/** Checking submitted work, and building failed results for work that never reached a slot. Pure. */
import { CohortError, type ErrorCode, type ResultItem, type WireError } from '@cohort/shared';
import type { ModeChoice } from './mode.js';
import type { PartitionWork } from './types.js';

const ISOLATIONS = new Set(['thread', 'process', 'auto']);

/** What is wrong with `w`, or undefined when it can run. */
export function checkWork(w: PartitionWork): string | undefined {
  if (w === null || typeof w !== 'object') return 'work must be an object';
  if (typeof w.jobId !== 'string' || w.jobId === '') return 'jobId must be a non-empty string';
  if (typeof w.task !== 'string' || w.task === '') return 'task must be a non-empty string';
  if (!Number.isInteger(w.p) || w.p < 0) return 'p must be a non-negative integer';
  if (!Number.isInteger(w.a) || w.a < 0) return 'a must be a non-negative integer';
  if (!ISOLATIONS.has(w.isolation)) return 'isolation must be thread, process or auto';
  if (typeof w.timeoutMs !== 'number' || !(w.timeoutMs >= 0)) return 'timeoutMs must be a number >= 0';
  return undefined;
}

export function wireError(code: ErrorCode, message: string, details?: Record<string, unknown>): WireError {
  const wire = new CohortError(code, message, details ? { details } : {}).toWire();
  delete wire.stack;
  return wire;
}

export function failedResult(w: PartitionWork, error: WireError, choice: ModeChoice, ms = 0): ResultItem {
  return { p: w.p, a: w.a, ok: false, error, ms, mode: choice.mode, why: choice.why };
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
