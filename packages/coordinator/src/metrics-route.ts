/**
 * GET /metrics: the Prometheus text format (metrics/). It asks for the
 * client credential as /api does (constant time; the agent credential is
 * refused with 403), unless the coordinator runs with --metrics-public. Only
 * the exact path is served: the router compares the normalized path, so
 * `/metrics/../api/jobs` is `/api/jobs`, with /api's checks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, ErrorCode } from '@cohort/shared';
import { clientAccess, type Credentials } from './auth.js';
import type { CoordinatorMetrics } from './metrics/index.js';

export const METRICS_PATH = '/metrics';

export interface MetricsRouteContext {
  /** The client and agent tokens (credentials.ts), read at each request: a reload takes effect at once. */
  credentials: Credentials;
  metrics?: CoordinatorMetrics | undefined;
  metricsPublic?: boolean | undefined;
}

export async function handleMetrics(req: IncomingMessage, res: ServerResponse, ctx: MetricsRouteContext): Promise<void> {
  if (!ctx.metricsPublic) {
    const access = clientAccess(req, ctx.credentials);
    if (access === 'FORBIDDEN') throw new CohortError(ErrorCode.FORBIDDEN, 'this is the agent credential: it may join at /agent, not read /metrics');
    if (access !== 'ok') throw new CohortError(ErrorCode.AUTH_FAILED, 'missing or wrong bearer token');
  }
  if (req.method !== 'GET' || !ctx.metrics) throw new CohortError(ErrorCode.NOT_FOUND, `no route ${req.method} ${METRICS_PATH}`);
  const body = await ctx.metrics.scrape();
  res.writeHead(200, { 'content-type': ctx.metrics.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
