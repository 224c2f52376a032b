/**
 * The coordinator's Prometheus registry: one per coordinator (never
 * prom-client's global one: a process may run several coordinators, as the
 * tests do). Every value is read at scrape time: the gauges from the
 * cluster, the counters and histograms from the observer's plain numbers.
 *
 * prom-client's default Node metrics (`process_*`, `nodejs_*`, unprefixed,
 * so that stock dashboards work; Prometheus's `job` and `instance` labels
 * tell the coordinator from the agents) are added at the first scrape: they
 * hold a GC observer and an event-loop monitor for the life of the process,
 * which a coordinator that is never scraped should not pay for.
 */
import { AGENT_STATES, VERSION } from '@cohort/shared';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Cluster } from '../cluster.js';
import { agentsByState, partitionsByState, PARTITION_STATES, slotsByMode } from './cluster-gauges.js';
import { ISSUE_REASONS } from './issue-reasons.js';
import { DEATH_REASONS, type MetricsObserver } from './observations.js';
import { BucketsHistogram } from './prom-histogram.js';

/** Sets each label value of `metric` from `values`, at scrape time. */
function setAll<L extends string>(metric: Gauge<L> | Counter<L>, label: L, values: Readonly<Record<string, number>>): void {
  metric.reset();
  for (const [key, value] of Object.entries(values)) {
    const labels = { [label]: key } as Record<L, string>;
    if (metric instanceof Gauge) metric.set(labels, value);
    else metric.inc(labels, value);
  }
}

function clusterGauges(registry: Registry, cluster: Cluster): void {
  const registers = [registry];
  new Gauge({
    name: 'cohort_agents',
    help: `Agent sessions the coordinator knows, by state (${AGENT_STATES.join(', ')}); lost sessions are forgotten, so dead and left read 0.`,
    labelNames: ['state'],
    registers,
    collect() {
      setAll(this, 'state', agentsByState(cluster.agents.values()));
    },
  });
  new Gauge({
    name: 'cohort_slots',
    help: 'Slots of live agents, by the mode their agent runs tasks in by default (auto counts as thread).',
    labelNames: ['mode'],
    registers,
    collect() {
      setAll(this, 'mode', slotsByMode(cluster.agents.values()));
    },
  });
  new Gauge({
    name: 'cohort_partitions',
    help: `Partitions of the jobs not yet finished, by state (${PARTITION_STATES.join(', ')}).`,
    labelNames: ['state'],
    registers,
    collect() {
      setAll(this, 'state', partitionsByState(cluster.jobs.values()));
    },
  });
}

/** A counter whose value for each label value is read from plain numbers at scrape time. */
function tallyCounter(registry: Registry, name: string, help: string, label: string, read: () => Readonly<Record<string, number>>): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      setAll(this, label, read());
    },
  });
}

/** A counter without labels, read from a plain number at scrape time. */
function plainCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function observedCounters(registry: Registry, counts: MetricsObserver): void {
  tallyCounter(
    registry,
    'cohort_partitions_completed_total',
    'Attempts that ended, by outcome; an accepted result counts once, as ok or speculative-won (their sum is the partitions done here).',
    'outcome',
    () => counts.completed,
  );
  tallyCounter(registry, 'cohort_partition_attempts_total', `Attempts issued, by reason (${ISSUE_REASONS.join(', ')}).`, 'reason', () => counts.issued);
  tallyCounter(registry, 'cohort_agent_deaths_total', `Agents declared lost, by reason (${DEATH_REASONS.join(', ')}).`, 'reason', () => counts.deaths);
  tallyCounter(registry, 'cohort_ws_bytes_total', 'Bytes of WebSocket frames on agent sockets, by direction (in, out).', 'direction', () => counts.wsBytes);
  plainCounter(registry, 'cohort_agents_left_total', 'Agents that drained and left (not deaths).', () => counts.left);
  plainCounter(
    registry,
    'cohort_speculative_wins_total',
    'Accepted results won by a speculative copy rather than the original it raced.',
    () => counts.speculativeWins,
  );
}

export function coordinatorRegistry(cluster: Cluster, counts: MetricsObserver): Registry {
  const registry = new Registry();
  clusterGauges(registry, cluster);
  observedCounters(registry, counts);
  new BucketsHistogram('cohort_partition_duration_seconds', 'Slot time of accepted attempts, seconds, by mode.', 'mode', () => counts.durations).register(
    registry,
  );
  const sync = new Map([['', counts.journalSync]]);
  new BucketsHistogram(
    'cohort_journal_sync_seconds',
    'Time of one fdatasync of the journal, seconds (none without --state-dir).',
    undefined,
    () => sync,
  ).register(registry);
  const info = new Gauge({
    name: 'cohort_build_info',
    help: 'Always 1: the Cohort version and the Node.js version.',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  info.set({ version: VERSION, node: process.version }, 1);
  return registry;
}

/** The registry's text, with Node's default metrics added at the first call. */
export function scraper(registry: Registry): () => Promise<string> {
  let defaults = false;
  return () => {
    if (!defaults) {
      defaults = true;
      collectDefaultMetrics({ register: registry });
    }
    return registry.metrics();
  };
}
