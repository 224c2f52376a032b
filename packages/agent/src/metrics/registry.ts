/**
 * The agent's Prometheus registry (one per agent, never prom-client's
 * global one): slots by mode and state, results by mode and outcome, slot
 * starts and exits, slot start time, queued partitions and the bundle
 * cache's bytes, with prom-client's default Node metrics (unprefixed:
 * Prometheus's `job` label tells agents from the coordinator).
 */
import { SLOT_MODES, VERSION } from '@cohort/shared';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SlotMode } from '@cohort/shared';
import type { SlotState } from '../slots/index.js';
import { type AgentCounts, RESULT_OUTCOMES, SLOT_EXIT_CAUSES } from './counts.js';

/** What the registry reads from the running agent at scrape time. */
export interface AgentFacts {
  counts: AgentCounts;
  slotStates(): Array<[SlotMode, SlotState]>;
  queued(): number;
  cacheBytes(): Promise<number>;
  /** Bytes of jobs' shared values held (or being fetched) on the agent. */
  sharedBytes?(): number;
}

/** Slot states as the metrics show them: starting, idle (ready for work), busy, stopping (anything ending). */
export const SLOT_GAUGE_STATES = ['starting', 'idle', 'busy', 'stopping'] as const;
type SlotGaugeState = (typeof SLOT_GAUGE_STATES)[number];
const GAUGE_STATE: Record<SlotState, SlotGaugeState> = {
  idle: 'starting',
  starting: 'starting',
  ready: 'idle',
  busy: 'busy',
  stopping: 'stopping',
  stopped: 'stopping',
  start_failed: 'stopping',
  crashed: 'stopping',
};
/** From a thread's tens of milliseconds to a process slot's second or more. */
export const SLOT_START_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function slotGauge(registry: Registry, facts: AgentFacts): void {
  new Gauge({
    name: 'cohort_agent_slots',
    help: `Live slots, by mode and state (${SLOT_GAUGE_STATES.join(', ')}).`,
    labelNames: ['mode', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const mode of SLOT_MODES) for (const state of SLOT_GAUGE_STATES) this.set({ mode, state }, 0);
      for (const [mode, state] of facts.slotStates()) this.inc({ mode, state: GAUGE_STATE[state] });
    },
  });
}

function countCounters(registry: Registry, counts: AgentCounts): void {
  const registers = [registry];
  new Counter({
    name: 'cohort_agent_partitions_total',
    help: `Partitions the slots reported, by mode and outcome (${RESULT_OUTCOMES.join(', ')}).`,
    labelNames: ['mode', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const mode of SLOT_MODES) for (const outcome of RESULT_OUTCOMES) this.inc({ mode, outcome }, counts.results[mode][outcome]);
    },
  });
  new Counter({
    name: 'cohort_agent_slot_starts_total',
    help: 'Slots that became ready, by mode: first starts and restarts after an exit alike.',
    labelNames: ['mode'],
    registers,
    collect() {
      this.reset();
      for (const mode of SLOT_MODES) this.inc({ mode }, counts.starts[mode]);
    },
  });
  new Counter({
    name: 'cohort_agent_slot_exits_total',
    help: `Slots that ended, by mode and cause (${SLOT_EXIT_CAUSES.join(', ')}); crash is an exit nobody asked for.`,
    labelNames: ['mode', 'cause'],
    registers,
    collect() {
      this.reset();
      for (const mode of SLOT_MODES) for (const cause of SLOT_EXIT_CAUSES) this.inc({ mode, cause }, counts.exits[mode][cause]);
    },
  });
}

export function agentRegistry(facts: AgentFacts): Registry {
  const registry = new Registry();
  slotGauge(registry, facts);
  countCounters(registry, facts.counts);
  // Slot starts are rare: prom-client's own histogram, fed as they happen.
  const startTime = new Histogram({
    name: 'cohort_agent_slot_start_seconds',
    help: 'Time from making a slot to its ready message, seconds, by mode.',
    labelNames: ['mode'],
    buckets: SLOT_START_BUCKETS_S,
    registers: [registry],
  });
  for (const mode of SLOT_MODES) startTime.zero({ mode });
  facts.counts.onStart = (mode, seconds) => startTime.observe({ mode }, seconds);
  new Gauge({
    name: 'cohort_agent_queued_partitions',
    help: 'Partitions queued on the agent, waiting for a slot.',
    registers: [registry],
    collect() {
      this.set(facts.queued());
    },
  });
  new Gauge({
    name: 'cohort_agent_bundle_cache_bytes',
    help: 'Bytes of task bundles in the cache directory (shared by the agents that use it).',
    registers: [registry],
    async collect() {
      this.set(await facts.cacheBytes());
    },
  });
  new Gauge({
    name: 'cohort_agent_shared_bytes',
    help: "Bytes of jobs' shared values held on the agent (one SharedArrayBuffer each), or being fetched.",
    registers: [registry],
    collect() {
      this.set(facts.sharedBytes?.() ?? 0);
    },
  });
  const info = new Gauge({
    name: 'cohort_build_info',
    help: 'Always 1: the Cohort version and the Node.js version.',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  info.set({ version: VERSION, node: process.version }, 1);
  collectDefaultMetrics({ register: registry });
  return registry;
}
