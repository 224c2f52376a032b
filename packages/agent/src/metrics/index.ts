/**
 * The agent's Prometheus metrics, on when `metricsPort` is set: counts fed
 * by the slot pool (counts.ts), a registry that reads them and the pool at
 * scrape time (registry.ts), served on a small server of its own (server.ts).
 */
import type { Server } from 'node:http';
import type { Logger } from '@cohort/shared';
import type { CompiledAgentOptions } from '../options.js';
import { AgentCounts } from './counts.js';
import type { AgentFacts } from './registry.js';
import { serveMetrics, stopMetrics } from './server.js';

export { AgentCounts } from './counts.js';

export class AgentMetrics {
  readonly counts = new AgentCounts();
  private server: Server | undefined;
  /** The bound port once started. */
  port: number | undefined;

  constructor(
    private readonly options: Pick<CompiledAgentOptions, 'metricsPort' | 'metricsHost' | 'metricsPublic' | 'token'>,
    private readonly log: Logger,
  ) {}

  /** Start serving; `facts` reads the pool and the bundle cache at scrape time. */
  async start(facts: Omit<AgentFacts, 'counts'>): Promise<void> {
    const { metricsHost: host, metricsPort: port, metricsPublic, token } = this.options;
    if (port === undefined) return;
    // prom-client loads only when metrics are on: it costs every agent ~90 ms at start.
    const { agentRegistry } = await import('./registry.js');
    const registry = agentRegistry({ ...facts, counts: this.counts });
    const served = await serveMetrics(registry, { host, port, token, public: metricsPublic, log: this.log });
    this.server = served.server;
    this.port = served.port;
  }

  async stop(): Promise<void> {
    if (this.server) await stopMetrics(this.server);
    this.server = undefined;
  }
}
