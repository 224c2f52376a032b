/**
 * Jobs as the dashboard shows them: the list (running and queued first,
 * then the most recently finished, DASHBOARD_LIMITS.jobs at most), one job's
 * view (its partition grid in blocks and the per-agent shares) and its log.
 */
import {
  clip,
  CohortError,
  DASHBOARD_LIMITS,
  ErrorCode,
  MAX_LENGTH,
  partitionFailure,
  type DashboardJob,
  type DashboardJobDetail,
  type JobLog,
} from '@cohort/shared';
import type { Job } from '../job.js';
import { inFlight } from '../report.js';
import type { DashboardView } from './view.js';

export function jobRows(view: DashboardView, now: number): DashboardJob[] {
  const live: Job[] = [];
  const finished: Job[] = [];
  for (const job of view.cluster.jobs.values()) (job.finished ? finished : live).push(job);
  const rows = live.slice(0, DASHBOARD_LIMITS.jobs);
  if (rows.length < DASHBOARD_LIMITS.jobs) {
    finished.sort((a, b) => b.finishedAt - a.finishedAt);
    rows.push(...finished.slice(0, DASHBOARD_LIMITS.jobs - rows.length));
  }
  return rows.map((job) => jobRow(view, job, now));
}

function jobRow(view: DashboardView, job: Job, now: number): DashboardJob {
  const { running, assigned } = inFlight(job);
  const failed = failedPartition(job) === undefined ? 0 : 1;
  const rate = job.status === 'running' ? (view.jobs.get(job.id)?.rate(now) ?? 0) : 0;
  const left = job.total - job.done;
  return {
    jobId: job.id,
    task: clip(job.spec.task, MAX_LENGTH.agentName),
    status: job.status,
    partitions: job.total,
    done: job.done,
    running,
    assigned,
    waiting: Math.max(0, left - running - assigned - failed),
    retried: job.requeued,
    speculative: job.speculative,
    failed,
    rate,
    etaMs: rate > 0 && !job.finished ? Math.round((left / rate) * 1000) : null,
    elapsedMs: Math.max(0, (job.finishedAt || now) - job.createdAt),
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    ...(job.error && { error: { code: job.error.code, message: clip(job.error.message, 300) } }),
  };
}

/** The partition a job failed for, when it failed for one. */
function failedPartition(job: Job): number | undefined {
  return job.status === 'failed' ? partitionFailure(job.error)?.partition : undefined;
}

/** `GET /api/dashboard/jobs/:id`; NOT_FOUND for a job the coordinator does not know, or whose grid the view no longer keeps. */
export function jobDetail(view: DashboardView, jobId: string, now: number): DashboardJobDetail {
  const job = view.cluster.jobs.get(jobId);
  const stats = view.statsOf(jobId);
  if (!job || !stats) throw new CohortError(ErrorCode.NOT_FOUND, `no job ${jobId} in the dashboard (unknown, or released)`);
  stats.seedRecovered(job.accepted, job.recovered);
  const { blockSize } = stats;
  const blocks = Array.from(stats.done, (done) => ({ done, running: 0, assigned: 0, failed: 0 }));
  for (const p of job.inflight) {
    const block = blocks[Math.floor(p.index / blockSize)];
    if (block && p.state === 'running') block.running++;
    else if (block) block.assigned++;
  }
  const failed = failedPartition(job);
  const block = failed === undefined ? undefined : blocks[Math.floor(failed / blockSize)];
  if (block) block.failed++;
  const shares = [...job.agents]
    .sort((a, b) => b[1].partitions - a[1].partitions)
    .slice(0, DASHBOARD_LIMITS.agents)
    .map(([agent, share]) => ({ agent: clip(agent, MAX_LENGTH.agentName), ...share }));
  return { job: jobRow(view, job, now), grid: { blockSize, blocks }, shares };
}

/**
 * `GET /api/jobs/:id/log`; an empty log for a job known without one (one
 * that finished before a restart: `known` asks the job service); NOT_FOUND
 * for a job the coordinator does not know.
 */
export function jobLog(view: DashboardView, jobId: string, known: (jobId: string) => boolean = () => false): JobLog {
  const items = view.feed.log(jobId);
  if (items) return { jobId, items };
  if (view.cluster.jobs.has(jobId) || known(jobId)) return { jobId, items: [] };
  throw new CohortError(ErrorCode.NOT_FOUND, `no job ${jobId}`);
}
