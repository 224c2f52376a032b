/**
 * What the coordinator's clock decides about partitions in flight, with no
 * I/O: which ones are past their deadline (the coordinator enforces
 * `timeoutMs` itself, so an agent that never answers cannot hold a partition
 * forever), and which are stragglers worth a speculative copy.
 *
 * A started partition (the agent said it entered a slot) is measured from
 * then; one still assigned is measured from its assignment, with room for
 * the queue ahead of it on the agent (the credit window keeps that to about
 * one partition's run time per slot). Only started partitions get copies.
 */
import type { Job, Partition } from './job.js';

export interface SpeculationConfig {
  enabled: boolean;
  /** Fraction of a job's partitions done before speculation starts. */
  quantile: number;
  /** A partition running longer than this many times the job's median gets a copy. */
  multiplier: number;
  /** Never speculate on a partition younger than this. */
  minRuntimeMs: number;
}

/** Partitions of `job` past `timeoutMs` plus `graceMs` (twice the timeout while still queued on the agent). */
export function overdue(job: Job, now: number, graceMs: number): Partition[] {
  const limit = job.spec.timeoutMs;
  if (limit <= 0 || job.inflight.size === 0) return [];
  const out: Partition[] = [];
  for (const p of job.inflight) {
    const deadline = p.state === 'running' ? p.startedAt + limit + graceMs : p.assignedAt + 2 * limit + graceMs;
    if (now > deadline) out.push(p);
  }
  return out;
}

/** Started partitions of `job` that have run well past the job's median; at most once each. */
export function stragglers(job: Job, now: number, spec: SpeculationConfig): Partition[] {
  if (!spec.enabled || job.done < spec.quantile * job.total || job.inflight.size === 0) return [];
  const median = job.durations.quantile(0.5);
  if (median === undefined) return [];
  const limit = Math.max(spec.multiplier * median, spec.minRuntimeMs);
  const out: Partition[] = [];
  for (const p of job.inflight) {
    if (p.state === 'running' && !p.speculated && now - p.startedAt > limit) out.push(p);
  }
  return out;
}
