/**
 * The stream's events: a snapshot (every ring in full) and updates (the
 * head in full, and only what each ring gained since a reader's cursor).
 */
import type { DashboardHead, DashboardSnapshot, DashboardUpdate } from '@cohort/shared';
import type { DashboardView } from './view.js';

/** Where a reader is in each ring: the ring's `total` when it last read. */
export interface Cursor {
  bars: number;
  feed: number;
  samples: number;
  markers: number;
}

export function cursorOf(view: DashboardView): Cursor {
  return { bars: view.stream.bars.total, feed: view.feed.items.total, samples: view.throughput.samples.total, markers: view.throughput.markers.total };
}

export function cursorKey(c: Cursor): string {
  return `${c.bars},${c.feed},${c.samples},${c.markers}`;
}

export function snapshotOf(view: DashboardView, head: DashboardHead): DashboardSnapshot {
  const { throughput } = view;
  return { ...head, bars: view.stream.bars.all(), feed: view.feed.items.all(), throughput: throughput.samples.all(), markers: throughput.markers.all() };
}

export function updateOf(view: DashboardView, head: DashboardHead, since: Cursor): DashboardUpdate {
  const { throughput } = view;
  return {
    ...head,
    bars: view.stream.bars.since(since.bars),
    feed: view.feed.items.since(since.feed),
    throughput: throughput.samples.since(since.samples),
    markers: throughput.markers.since(since.markers),
  };
}
