/**
 * The dashboard's JSON and SSE routes (shapes in @cohort/shared dashboard.ts),
 * dispatched from http-api.ts after its auth check:
 *
 *   GET /api/dashboard               DashboardHead
 *   GET /api/dashboard/events        snapshot, then updates (dashboard/streams.ts)
 *   GET /api/dashboard/jobs/:id      DashboardJobDetail
 *   GET /api/jobs/:id/log            JobLog
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, ErrorCode, isJobId } from '@cohort/shared';
import type { Dashboard } from './dashboard/dashboard.js';
import { jobDetail, jobLog } from './dashboard/job-rows.js';
import { sendJson } from './http-util.js';

const JOB_DETAIL = /^\/api\/dashboard\/jobs\/([^/]+)$/;
const JOB_LOG = /^\/api\/jobs\/([^/]+)\/log$/;

/** Answer `req` when it is a dashboard route; false when it is not one. `known`: whether the job service has a report of a job (a job that finished before a restart has no log, but is no 404). */
export function handleDashboard(req: IncomingMessage, res: ServerResponse, path: string, dashboard: Dashboard, known?: (jobId: string) => boolean): boolean {
  if (req.method !== 'GET' || !(path.startsWith('/api/dashboard') || JOB_LOG.test(path))) return false;
  if (path === '/api/dashboard') {
    sendJson(res, 200, dashboard.head());
    return true;
  }
  if (path === '/api/dashboard/events') {
    dashboard.streams.open(res); // past the bound: 429 RATE_LIMITED, like any coded error
    return true;
  }
  const detail = JOB_DETAIL.exec(path);
  if (detail) {
    sendJson(res, 200, jobDetail(dashboard.view, jobIdOf(detail[1]!), Date.now()));
    return true;
  }
  const log = JOB_LOG.exec(path);
  if (log) {
    sendJson(res, 200, jobLog(dashboard.view, jobIdOf(log[1]!), known));
    return true;
  }
  return false;
}

function jobIdOf(raw: string): string {
  if (!isJobId(raw)) throw new CohortError(ErrorCode.NOT_FOUND, 'no such job (not a job id)');
  return raw;
}
