/**
 * One accepted agent connection, as the coordinator tracks it: its state,
 * its declared capacity, the partitions it holds and its credit window.
 */
import type { AgentMode, Hardware, Load, SlotMode } from '@cohort/shared';
import type { AgentState } from './agent-machine.js';
import type { Partition } from './job.js';

/** Queued work per slot the credit window aims for, in milliseconds of run time. */
export const TARGET_QUEUE_MS = 50;
/**
 * The most a session may hold before it has returned a single accepted result
 * (slow start): an agent that declares many slots and never answers takes
 * only this much work hostage, whatever it declared.
 */
export const INITIAL_WINDOW_MAX = 64;
/** Earlier sessions whose issued attempts a re-joining agent may still answer. */
export const MAX_LINEAGE = 16;

export class AgentSession {
  state: AgentState = 'joining';
  lastSeen: number;
  readonly joinedAt: number;
  /** Partitions this session holds (current attempts and speculative originals). */
  readonly held = new Set<Partition>();
  /** Moving average of partition run time, from the `ms` of its results. */
  avgMs: number | undefined;
  load: Load | undefined;
  diedAt = 0;
  accepted = 0;
  failed = 0;
  /** Tasks this agent now runs in processes after a crash, with the reason. */
  readonly escalated = new Map<string, SlotMode>();
  /** This session's id and those of the sessions it follows: it may answer attempts issued to any of them. */
  readonly lineage: Set<string>;
  /** Results it sent for attempts it was never issued (dropped). */
  unissued = 0;
  /** `mode-change` frames received. */
  modeChanges = 0;
  /** Bundle parts asked for and not yet sent (RATES.bundleReadsInFlight). */
  bundleReads = 0;
  /** Shared-value parts asked for and not yet sent (bounded by RATES.bundleReadsInFlight too, shared-serving.ts). */
  sharedReads = 0;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly slots: number,
    readonly maxPrefetch: number,
    readonly mode: AgentMode,
    readonly hardware: Hardware,
    now: number,
    /** The transport behind this session; opaque to the cluster, used by the executor's effects (coordinator.ts). */
    readonly conn: unknown = undefined,
    /** The coordinator's cap on what one session may hold, whatever it declared. */
    readonly maxCredit = Number.MAX_SAFE_INTEGER,
    /** Session ids this one follows (the agent's earlier sessions), newest last. */
    ancestors: Iterable<string> = [],
  ) {
    this.lastSeen = now;
    this.joinedAt = now;
    this.lineage = new Set([...ancestors].slice(-MAX_LINEAGE));
    this.lineage.add(id);
  }

  /** Slots plus a prefetch window sized so that each slot has about TARGET_QUEUE_MS of work queued, within the cap. */
  get window(): number {
    if (this.avgMs === undefined) return Math.min(this.slots * 2, INITIAL_WINDOW_MAX, this.maxCredit);
    const perSlot = Math.max(1, Math.ceil(TARGET_QUEUE_MS / Math.max(this.avgMs, 0.001)));
    return Math.min(this.slots + Math.min(this.maxPrefetch, this.slots * perSlot), this.maxCredit);
  }

  get credit(): number {
    return Math.max(0, this.window - this.held.size);
  }

  observeRunTime(ms: number): void {
    this.avgMs = this.avgMs === undefined ? ms : this.avgMs * 0.8 + ms * 0.2;
  }
}
