/**
 * The metrics' observer: it counts what the executor's Observers tell it,
 * in plain numbers (no prom-client call on the socket path); the registry
 * reads them at scrape time (registry.ts). No I/O, nothing that can throw
 * on a well-formed observation.
 *
 * What the counts mean:
 * - `completed[outcome]`: attempts that ended, by outcome. An accepted
 *   result is counted once, as `ok` or (its partition had a speculative
 *   copy) `speculative-won`; so ok + speculative-won is the partitions done
 *   by this coordinator (results reloaded from the journal are not attempts).
 * - `durations[mode]`: slot time of each accepted attempt, seconds.
 * - `speculativeWins`: accepted results won by the speculative copy itself
 *   (the newest attempt), not by the original it raced.
 * - `deaths[reason]`: agents declared lost (socket closed, or heartbeat
 *   timeout); `left` counts those that drained and said goodbye.
 * - `issued[reason]`: attempts issued (issue-reasons.ts).
 */
import { ATTEMPT_OUTCOMES, type AttemptOutcome, type SlotMode } from '@cohort/shared';
import type { Observation, Observer } from '../observations.js';
import { Buckets } from './buckets.js';
import { ISSUE_REASONS, type IssueReason } from './issue-reasons.js';

/** Slot time of accepted attempts: from a no-op (under a millisecond) to long tasks. */
export const DURATION_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** One fdatasync of the journal: from a fast SSD's fraction of a millisecond to a stalled disk. */
export const JOURNAL_SYNC_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
export const DEATH_REASONS = ['closed', 'timeout'] as const;
export type DeathReason = (typeof DEATH_REASONS)[number];
export const DURATION_MODES = ['thread', 'process'] as const satisfies readonly SlotMode[];

/** The newest attempt number issued for a partition of a live job, or undefined when the job is not known. */
export type LatestAttempt = (jobId: string, partition: number) => number | undefined;

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export class MetricsObserver implements Observer {
  readonly completed: Record<AttemptOutcome, number> = zeros(ATTEMPT_OUTCOMES);
  readonly issued: Record<IssueReason, number> = zeros(ISSUE_REASONS);
  readonly durations = new Map<SlotMode, Buckets>(DURATION_MODES.map((m) => [m, new Buckets(DURATION_BUCKETS_S)]));
  readonly journalSync = new Buckets(JOURNAL_SYNC_BUCKETS_S);
  readonly deaths: Record<DeathReason, number> = zeros(DEATH_REASONS);
  left = 0;
  speculativeWins = 0;
  readonly wsBytes = { in: 0, out: 0 };

  constructor(private readonly latestAttempt: LatestAttempt) {}

  observe(o: Observation): void {
    switch (o.kind) {
      case 'attempt':
        return this.attempt(o);
      case 'ws-bytes':
        this.wsBytes[o.direction] += o.bytes;
        return;
      case 'journal-sync':
        return this.journalSync.observe(o.seconds);
      case 'cluster':
        if (o.event.kind !== 'agent-lost') return;
        if (o.event.reason === 'left') this.left++;
        else this.deaths[o.event.reason]++;
        return;
      case 'job':
        return;
    }
  }

  /** An attempt was issued, for `reason` (the executor calls this for every item of an `assign`). */
  issue(reason: IssueReason): void {
    this.issued[reason]++;
  }

  private attempt(o: Extract<Observation, { kind: 'attempt' }>): void {
    this.completed[o.outcome]++;
    if (o.outcome !== 'ok' && o.outcome !== 'speculative-won') return;
    if (o.mode !== 'unknown') this.durations.get(o.mode)?.observe(o.ms / 1000);
    if (o.outcome === 'speculative-won' && o.attempt === this.latestAttempt(o.jobId, o.partition)) this.speculativeWins++;
  }
}
