/**
 * One accepted agent connection, as the coordinator tracks it: its state,
 * its declared capacity, the partitions it holds and its credit window.
 */
import type { AgentMode, Hardware, Load, SlotMode } from '@cohort/shared';
import type { AgentState } from './agent-machine.js';
import type { Partition } from './job.js';

/** Queued work per slot the credit window aims for, in milliseconds of run time. */
export const TARGET_QUEUE_MS = 50;

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

  constructor(
    readonly id: string,
    readonly name: string,
    readonly slots: number,
    readonly maxPrefetch: number,
    readonly mode: AgentMode,
    readonly hardware: Hardware,
    now: number,
    /** The transport behind this session; opaque to the cluster, used by the server's effects. */
    readonly conn: unknown = undefined,
  ) {
    this.lastSeen = now;
    this.joinedAt = now;
  }

  /** Slots plus a prefetch window sized so that each slot has about TARGET_QUEUE_MS of work queued. */
  get window(): number {
    if (this.avgMs === undefined) return this.slots * 2;
    const perSlot = Math.max(1, Math.ceil(TARGET_QUEUE_MS / Math.max(this.avgMs, 0.001)));
    return this.slots + Math.min(this.maxPrefetch, this.slots * perSlot);
  }

  get credit(): number {
    return Math.max(0, this.window - this.held.size);
  }

  observeRunTime(ms: number): void {
    this.avgMs = this.avgMs === undefined ? ms : this.avgMs * 0.8 + ms * 0.2;
  }
}
