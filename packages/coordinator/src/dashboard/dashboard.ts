/**
 * The dashboard's server side, as the coordinator holds it: the view (an
 * observer of the executor's facts), its streams, and the head built from
 * both and the cluster. Routes are in dashboard-routes.ts.
 */
import type { DashboardHead, Logger } from '@cohort/shared';
import { dashboardHead, type HeadOptions } from './head.js';
import { DashboardStreams, type DashboardStreamLimits } from './streams.js';
import { DashboardView, type ViewCluster } from './view.js';

export interface DashboardOptions {
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  /** With a journal: durable results of an unfinished job (StateStore.durableCount). */
  durableCount?: ((jobId: string) => number) | undefined;
  streams?: Partial<DashboardStreamLimits>;
  log: Logger;
}

export class Dashboard {
  readonly view: DashboardView;
  readonly streams: DashboardStreams;
  private readonly headOptions: HeadOptions;

  constructor(cluster: ViewCluster, options: DashboardOptions) {
    const onError = (err: unknown) => options.log.error('dashboard timer failed', { message: (err as Error)?.message });
    this.view = new DashboardView(cluster, Date.now(), true, onError);
    // Amber once the cluster would call the agent suspect (two missed heartbeats), red at the timeout that declares it dead.
    this.headOptions = {
      heartbeat: { amberMs: 2 * options.heartbeatMs, redMs: options.heartbeatTimeoutMs },
      durableCount: options.durableCount,
    };
    this.streams = new DashboardStreams(this.view, (now) => this.head(now), options.streams, onError);
  }

  head(now = Date.now()): DashboardHead {
    return dashboardHead(this.view, this.headOptions, now);
  }

  close(): void {
    this.streams.close();
    this.view.close();
  }
}
