/**
 * The agent's slot-level counts, in plain numbers: results by mode and
 * outcome, slot starts and exits. Fed by the pool's events and hooks (no
 * I/O, never throws); read by the registry at scrape time (registry.ts).
 */
import { SLOT_MODES, type ResultItem, type SlotMode } from '@cohort/shared';
import type { SlotExitCause, SlotExitEvidence, SlotHooks } from '../slots/index.js';

export const SLOT_EXIT_CAUSES = ['crash', 'timeout', 'cancel', 'shutdown'] as const satisfies readonly SlotExitCause[];
export const RESULT_OUTCOMES = ['ok', 'failed'] as const;
export type ResultOutcome = (typeof RESULT_OUTCOMES)[number];

type ByMode<T> = Record<SlotMode, T>;
const byMode = <T>(make: () => T): ByMode<T> => Object.fromEntries(SLOT_MODES.map((m) => [m, make()])) as ByMode<T>;
const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export class AgentCounts {
  /** Partitions whose result (or failure) the pool reported, by mode and outcome. */
  readonly results: ByMode<Record<ResultOutcome, number>> = byMode(() => zeros(RESULT_OUTCOMES));
  /** Slots that posted `ready` (first starts and restarts after a crash alike). */
  readonly starts: ByMode<number> = byMode(() => 0);
  /** Slots that ended, by why (a crash is an exit nobody asked for). */
  readonly exits: ByMode<Record<SlotExitCause, number>> = byMode(() => zeros(SLOT_EXIT_CAUSES));
  /** How long each slot took from being made to `ready`, seconds; told to `onStart`. */
  onStart: ((mode: SlotMode, seconds: number) => void) | undefined;

  /** Count a batch of results (the pool's onResults). */
  recordResults(items: readonly ResultItem[]): void {
    for (const item of items) this.results[item.mode][item.ok ? 'ok' : 'failed']++;
  }

  /** Live slots that have been ready once (a slot is ready again after every batch): bounded by the live slots. */
  private readonly started = new Set<string>();

  /** The pool's hooks that feed these counts. */
  readonly hooks: SlotHooks = {
    onSlotReady: (slotId: string, mode: SlotMode, _pid: number | undefined, startMs: number) => {
      if (this.started.has(slotId)) return;
      this.started.add(slotId);
      this.starts[mode]++;
      this.onStart?.(mode, startMs / 1000);
    },
    onSlotExit: (evidence: SlotExitEvidence) => {
      this.started.delete(evidence.slotId);
      this.exits[evidence.mode][evidence.cause]++;
    },
  };
}
