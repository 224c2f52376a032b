/**
 * The coordinator's Prometheus metrics (GET /metrics, metrics-route.ts): an
 * observer on the executor's Observers that counts in plain numbers, and a
 * registry of its own that reads them, and the cluster, at scrape time.
 */
import { isLoopbackHost, type AssignMessage, type Logger } from '@cohort/shared';
import type { Cluster } from '../cluster.js';
import type { CompiledCoordinatorOptions } from '../options.js';
import { issueReason } from './issue-reasons.js';
import { MetricsObserver } from './observations.js';
import { coordinatorRegistry, scraper } from './registry.js';

export { MetricsObserver } from './observations.js';

export interface CoordinatorMetrics {
  readonly observer: MetricsObserver;
  /** Count the attempts an `assign` issues, by reason; called as it is sent, before anything else moves its partitions. */
  issued(message: AssignMessage): void;
  /** The exposition text, and its Content-Type. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

export function createCoordinatorMetrics(
  cluster: Cluster,
  options: Pick<CompiledCoordinatorOptions, 'host' | 'metricsPublic'>,
  log: Logger,
): CoordinatorMetrics {
  const observer = new MetricsObserver((jobId, partition) => cluster.jobs.get(jobId)?.partitions[partition]?.attempt);
  const registry = coordinatorRegistry(cluster, observer);
  if (options.metricsPublic && !isLoopbackHost(options.host)) {
    log.warn('metrics served without a token beyond loopback', { host: options.host, route: '/metrics' });
  }
  return {
    observer,
    issued(message) {
      const job = cluster.jobs.get(message.jobId);
      for (const item of message.items) observer.issue(item.a <= 1 ? 'first' : issueReason(job?.partitions[item.p], item.a));
    },
    scrape: scraper(registry),
    contentType: registry.contentType,
  };
}
