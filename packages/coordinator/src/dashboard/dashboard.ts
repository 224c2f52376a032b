/**
 * The dashboard's server side, as the coordinator holds it: the view (an
 * observer of the executor's facts), its streams, and the head built from
 * both and the cluster. Routes are in dashboard-routes.ts.
 */
import type { DashboardHead } from '@cohort/shared';
import { dashboardHead, type HeadOptions } from './head.js';
import { DashboardStreams, type DashboardStreamLimits } from './streams.js';
import { DashboardView, type ViewCluster } from './view.js';

export interface DashboardOptions {
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  /** With a journal: durable results of an unfinished job (StateStore.durableCount). */
  durableCount?: ((jobId: string) => number) | undefined;
  streams?: Partial<DashboardStreamLimits>;
}

export class Dashboard {
  readonly view: DashboardView;
  readonly streams: DashboardStreams;
  private readonly headOptions: HeadOptions;

  constructor(cluster: ViewCluster, options: DashboardOptions) {
    this.view = new DashboardView(cluster);
    // Amber once the cluster would call the agent suspect (two missed heartbeats), red at the timeout that declares it dead.
    this.headOptions = {
      heartbeat: { amberMs: 2 * options.heartbeatMs, redMs: options.heartbeatTimeoutMs },
      durableCount: options.durableCount,
    };
    this.streams = new DashboardStreams(this.view, (now) => this.head(now), options.streams);
  }

  head(now = Date.now()): DashboardHead {
    return dashboardHead(this.view, this.headOptions, now);
  }

  close(): void {
    this.streams.close();
    this.view.close();
  }
}
