/** What the API and the CLI show of a job: the contract types live in @cohort/shared (api.ts). */
import type { JobProgress, JobReport } from '@cohort/shared';
import type { Job } from './job.js';
import type { JournalFinished } from './journal-record.js';

export type { JobProgress, JobReport };

/** The partitions in flight, split: started on a slot, or sent and not started (prefetched). Bounded by the agents' windows. */
export function inFlight(job: Job): { running: number; assigned: number } {
  let running = 0;
  for (const p of job.inflight) if (p.state === 'running') running++;
  return { running, assigned: job.inflight.size - running };
}

export function jobReport(job: Job, now: number): JobReport {
  const modes = { thread: 0, process: 0 };
  const agents: JobReport['agents'] = {};
  for (const [name, share] of job.agents) {
    agents[name] = { ...share };
    modes.thread += share.thread;
    modes.process += share.process;
  }
  const report: JobReport = {
    jobId: job.id,
    task: job.spec.task,
    status: job.status,
    result: job.status === 'succeeded' ? job.result : null,
    partitions: job.total,
    done: job.done,
    ...inFlight(job),
    waiting: job.total - job.done - job.inflight.size,
    durationMs: (job.finishedAt || now) - job.createdAt,
    attempts: job.attempts,
    duplicates: job.duplicates,
    requeued: job.requeued,
    speculative: job.speculative,
    recovered: job.recovered,
    slotMs: Math.round(job.slotMs),
    agents,
    modes,
    modeReasons: Object.fromEntries(job.modeReasons),
    priority: job.spec.priority ?? 1,
    ...(job.spec.shared && { shared: { ...job.spec.shared, delivery: { 'shared-memory': modes.thread, copied: modes.process } } }),
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
  if (job.error) {
    report.error = { code: job.error.code, message: job.error.message };
    if (job.error.details) report.error.details = job.error.details;
  }
  return report;
}

/** How many results of a job accepted by this run are durable (the journal's count), when there is a journal. */
export type DurableCount = (jobId: string) => number;

/**
 * The small, frequent form sent on the progress stream and in job lists.
 * With a journal, `done` counts only durable results, so that a crash right
 * after a watcher is told can never take back a partition it saw done.
 */
export function jobProgress(job: Job, durable?: DurableCount): JobProgress {
  return {
    jobId: job.id,
    status: job.status,
    done: durable && !job.finished ? Math.min(job.done, job.recovered + durable(job.id)) : job.done,
    total: job.total,
    ...inFlight(job),
    attempts: job.attempts,
    requeued: job.requeued,
    duplicates: job.duplicates,
    speculative: job.speculative,
  };
}

/** The report of a job that had finished before a restart: its end, with no partitions reloaded. */
export function restoredReport(jobId: string, task: string, partitions: number, createdAt: number, finished: JournalFinished, done: number): JobReport {
  return {
    jobId,
    task,
    status: finished.status,
    result: finished.result ?? null,
    partitions,
    done,
    running: 0,
    assigned: 0,
    waiting: 0,
    durationMs: 0,
    attempts: done,
    duplicates: 0,
    requeued: 0,
    speculative: 0,
    recovered: done,
    slotMs: 0,
    agents: {},
    modes: { thread: 0, process: 0 },
    modeReasons: {},
    priority: 1,
    createdAt,
    startedAt: 0,
    finishedAt: 0,
    ...(finished.error && { error: finished.error }),
  };
}
