/**
 * The JSON API on the coordinator's port:
 *
 *   GET    /healthz              liveness (no token needed; says nothing secret)
 *   POST   /api/jobs             submit {task, input, partitions, timeoutMs?, maxAttempts?}
 *   GET    /api/jobs             summaries
 *   GET    /api/jobs/:id         the job report
 *   DELETE /api/jobs/:id         cancel
 *   GET    /api/jobs/:id/events  server-sent events: progress, cluster events, end
 *   GET    /api/events           cluster events only
 *   GET    /api/agents           the registry
 *   PUT    /api/bundles/:hash    upload a task bundle (bundle-routes.ts)
 *   GET    /api/bundles/:hash    whether the coordinator has it
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, ErrorCode, VERSION, isJobId } from '@cohort/shared';
import { clientAccess } from './auth.js';
import { readJsonBody, sendError, sendJson } from './http-util.js';
import { requestPath } from './http-server.js';
import type { JobService } from './job-service.js';
import { BUNDLE_ROUTE, handleBundle, type BundleRouteContext } from './bundle-routes.js';

export interface ApiContext extends BundleRouteContext {
  /** The client credential; without `agentToken` it also joins agents. */
  token: string | undefined;
  /** The agent credential when the roles are split: refused here with 403 FORBIDDEN. */
  agentToken?: string | undefined;
  maxBodyBytes: number;
  jobs: JobService;
}

export async function handleHttp(req: IncomingMessage, res: ServerResponse, ctx: ApiContext): Promise<void> {
  try {
    const path = requestPath(req);
    if (req.method === 'GET' && path === '/healthz') {
      return sendJson(res, 200, { ok: true, version: VERSION, accepting: ctx.jobs.accepting });
    }
    if (!path.startsWith('/api/')) throw new CohortError(ErrorCode.NOT_FOUND, `no route ${req.method} ${path}`);
    const access = clientAccess(req, { client: ctx.token, agent: ctx.agentToken });
    if (access === 'FORBIDDEN') throw new CohortError(ErrorCode.FORBIDDEN, 'this is the agent credential: it may join at /agent, not use the API');
    if (access !== 'ok') throw new CohortError(ErrorCode.AUTH_FAILED, 'missing or wrong bearer token');

    if (path === '/api/jobs' && req.method === 'POST') {
      const body = await readJsonBody(req, ctx.maxBodyBytes);
      const report = await ctx.jobs.submit(body);
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
    const match = /^\/api\/jobs\/([^/]+)(\/events)?$/.exec(path);
    if (match) {
      const jobId = match[1]!;
      if (!isJobId(jobId)) throw new CohortError(ErrorCode.NOT_FOUND, `no job ${JSON.stringify(jobId)}`);
      if (match[2] && req.method === 'GET') {
        ctx.jobs.watch(res, jobId);
        return;
      }
      if (!match[2] && req.method === 'GET') return sendJson(res, 200, ctx.jobs.report(jobId));
      if (!match[2] && req.method === 'DELETE') return sendJson(res, 200, ctx.jobs.cancel(jobId));
    }
    throw new CohortError(ErrorCode.NOT_FOUND, `no route ${req.method} ${path}`);
  } catch (err) {
    sendError(res, err);
  }
}
