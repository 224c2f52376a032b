/**
 * The JSON API on the coordinator's port:
 *
 *   GET    /healthz              liveness (no token, and no client certificate under --tls-client-ca: says nothing secret)
 *   POST   /api/jobs             submit {task, input, partitions, timeoutMs?, maxAttempts?}; with
 *                                accept: text/event-stream the answer is the job's stream (above)
 *   GET    /api/jobs             summaries
 *   GET    /api/jobs/:id         the job report
 *   DELETE /api/jobs/:id         cancel
 *   GET    /api/jobs/:id/events  server-sent events: progress, cluster events, end; with ?results=1
 *                                also each accepted result (&encoding=msgpack: values exact)
 *   GET    /api/events           cluster events only
 *   GET    /api/agents           the registry
 *   PUT    /api/bundles/:hash    upload a task bundle (bundle-routes.ts)
 *   GET    /api/bundles/:hash    whether the coordinator has it
 *   PUT    /api/shared/:hash     upload a job's shared value, streamed (shared-routes.ts)
 *   GET    /api/shared/:hash     whether the coordinator has it
 *
 * The dashboard and metrics (issue 11; shapes in @cohort/shared dashboard.ts):
 *
 *   GET    /                     the dashboard page, or the login page without a credential;
 *                                /?token=T sets the session cookie and redirects to /
 *   GET    /dashboard/*          the page's static files (HTML, ES modules, uPlot, CSS): no data, no token
 *   GET    /api/dashboard        the head: cluster summary, agents, jobs, health (DashboardHead)
 *   GET    /api/dashboard/events server-sent events: a snapshot, then updates at most every 250 ms
 *   GET    /api/dashboard/jobs/:id  one job's view: counts, partition grid in blocks, per-agent shares
 *   GET    /api/jobs/:id/log     the job's event feed in plain words (JobLog)
 *   GET    /metrics              Prometheus text format (bearer, unless --metrics-public)
 *
 * Every /api route takes the bearer token or the dashboard's session
 * cookie; a state-changing request (POST, PUT, DELETE) that carries an
 * Origin header must come from this coordinator's own origin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, ErrorCode, VERSION, addressedToLoopback, isJobId, type TokenSet } from '@cohort/shared';
import { clientAuth } from './auth.js';
import { requireClientCertificate } from './tls/client-certificate.js';
import { checkOrigin } from './web/origin.js';
import { handlePage, type WebContext } from './web/page-routes.js';
import { readJsonBody, sendError, sendJson } from './http-util.js';
import { requestPath } from './http-server.js';
import type { JobService } from './job-service.js';
import type { ValueEncoding } from './result-events.js';
import { BUNDLE_ROUTE, handleBundle, type BundleRouteContext } from './bundle-routes.js';
import { SHARED_ROUTE, handleShared, type SharedRouteContext } from './shared-routes.js';
import type { Dashboard } from './dashboard/dashboard.js';
import { handleDashboard } from './dashboard-routes.js';
import { METRICS_PATH, handleMetrics, type MetricsRouteContext } from './metrics-route.js';
import type { OpenStreams } from './open-streams.js';

export interface ApiContext extends BundleRouteContext, SharedRouteContext, MetricsRouteContext {
  maxBodyBytes: number;
  jobs: JobService;
  /** The dashboard's page, files and sessions (web/); without it, / and /dashboard/* are 404. */
  web?: WebContext;
  /** The dashboard's view and streams (dashboard-routes.ts). */
  dashboard?: Dashboard | undefined;
  /** Open responses by the id of their token, ended when a reload removes it (open-streams.ts). */
  openStreams?: OpenStreams | undefined;
  /** `--tls-client-ca`: every request but /healthz must come with a client certificate it signed (TLS_FAILED otherwise). */
  mutualTls?: boolean;
}

function wantsStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}

/**
 * `results=1` (a job stream also carries each accepted result) and
 * `encoding=msgpack` (values packed exactly, api.ts); any other value of
 * either is BAD_REQUEST.
 */
function queryOptions(req: IncomingMessage): { results: ValueEncoding | undefined; encoding: ValueEncoding } {
  const query = new URL(req.url ?? '/', 'http://coordinator').searchParams;
  const results = query.get('results');
  const encoding = query.get('encoding') ?? 'json';
  if (results !== null && results !== '1') throw new CohortError(ErrorCode.BAD_REQUEST, 'results must be 1 when given');
  if (encoding !== 'json' && encoding !== 'msgpack') throw new CohortError(ErrorCode.BAD_REQUEST, 'encoding must be json or msgpack');
  return { results: results === null ? undefined : encoding, encoding };
}

/**
 * Without a token, only requests addressed to a loopback name are answered
 * (shared host-header.ts): a page that rebinds its own name to 127.0.0.1
 * would otherwise be same-origin with this coordinator, Origin check and all.
 */
export function refuseRebinding(req: IncomingMessage, tokens: TokenSet | undefined): void {
  if (tokens !== undefined || addressedToLoopback(req.headers.host)) return;
  throw new CohortError(
    ErrorCode.FORBIDDEN,
    'this coordinator has no token, so it answers only requests addressed to 127.0.0.1, [::1] or localhost (a guard against DNS rebinding)',
  );
}

export async function handleHttp(req: IncomingMessage, res: ServerResponse, ctx: ApiContext): Promise<void> {
  try {
    const path = requestPath(req);
    const health = req.method === 'GET' && path === '/healthz';
    // /healthz says nothing secret: it answers without a client certificate too (a container's health check has none).
    if (!health) requireClientCertificate(req, ctx.mutualTls === true);
    refuseRebinding(req, ctx.credentials.client);
    if (health) {
      return sendJson(res, 200, { ok: true, version: VERSION, accepting: ctx.jobs.accepting });
    }
    if (path === METRICS_PATH) return await handleMetrics(req, res, ctx);
    if (ctx.web && handlePage(req, res, path, ctx.credentials, ctx.web)) return;
    if (!path.startsWith('/api/')) throw new CohortError(ErrorCode.NOT_FOUND, `no route ${req.method} ${path}`);
    const { access, via, tokenId } = clientAuth(req, { client: ctx.credentials.client, agent: ctx.credentials.agent, sessions: ctx.web?.sessions });
    if (access === 'FORBIDDEN') throw new CohortError(ErrorCode.FORBIDDEN, 'this is the agent credential: it may join at /agent, not use the API');
    if (access !== 'ok') throw new CohortError(ErrorCode.AUTH_FAILED, 'missing or wrong bearer token');
    checkOrigin(req, via);
    if (tokenId !== undefined) ctx.openStreams?.track(res, tokenId);
    if (ctx.dashboard && handleDashboard(req, res, path, ctx.dashboard, (id) => ctx.jobs.knows(id))) return;

    if (path === '/api/jobs' && req.method === 'POST') {
      const { results } = queryOptions(req); // checked before anything is submitted
      const body = await readJsonBody(req, ctx.maxBodyBytes);
      const report = await ctx.jobs.submit(body);
      // `accept: text/event-stream`: the answer is the job's stream, so that no result can be missed between submit and watch.
      if (wantsStream(req)) return ctx.jobs.watch(res, report.jobId, results, report);
      return sendJson(res, 201, report);
    }
    if (path === '/api/jobs' && req.method === 'GET') return sendJson(res, 200, { jobs: ctx.jobs.list() });
    if (path === '/api/agents' && req.method === 'GET') return sendJson(res, 200, { agents: ctx.jobs.agents() });
    if (path === '/api/events' && req.method === 'GET') {
      ctx.jobs.watch(res, undefined);
      return;
    }
    const bundle = BUNDLE_ROUTE.exec(path);
    if (bundle) return await handleBundle(req, res, bundle[1]!, ctx);
    const shared = SHARED_ROUTE.exec(path);
    if (shared) return await handleShared(req, res, shared[1]!, ctx);
    const match = /^\/api\/jobs\/([^/]+)(\/events)?$/.exec(path);
    if (match) {
      const jobId = match[1]!;
      if (!isJobId(jobId)) throw new CohortError(ErrorCode.NOT_FOUND, `no job ${JSON.stringify(jobId)}`);
      if (match[2] && req.method === 'GET') return ctx.jobs.watch(res, jobId, queryOptions(req).results);
      if (!match[2] && req.method === 'GET') return sendJson(res, 200, ctx.jobs.report(jobId, queryOptions(req).encoding));
      if (!match[2] && req.method === 'DELETE') return sendJson(res, 200, ctx.jobs.cancel(jobId));
    }
    throw new CohortError(ErrorCode.NOT_FOUND, `no route ${req.method} ${path}`);
  } catch (err) {
    sendError(res, err);
  }
}
