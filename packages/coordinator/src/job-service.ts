/**
 * Jobs as the API sees them, a thin facade: parse a submission, load the
 * task, split it, journal it, and hand the job to the executor; answer
 * reports, lists and progress streams from the cluster's state, which it
 * reads and never writes. After a restart, it rebuilds jobs from the journal.
 */
import type { ServerResponse } from 'node:http';
import {
  CohortError,
  ErrorCode,
  bundleHashOf,
  isBundleRef,
  loadTask,
  newJobId,
  packValue,
  sha256Hex,
  toWireError,
  type AgentInfo,
  type JobSummary,
  type Logger,
  type SharedRef,
  type TaskModule,
} from '@cohort/shared';
import { builtinTasks } from '@cohort/tasks/builtins';
import type { AgentSession } from './agent-session.js';
import type { BundleStore } from './bundle-store.js';
import { Job } from './job.js';
import { checkSplitOutput, parseJobRequest } from './job-request.js';
import { parseSharedRequest, resolveShared } from './shared-request.js';
import type { SharedStore } from './shared-store.js';
import type { RecoveredState } from './journal.js';
import { jobProgress, jobReport, restoredReport, type JobReport } from './report.js';
import { resultSource, type ValueEncoding } from './result-events.js';
import type { EventStreams } from './sse.js';
import type { StateStore } from './state-store.js';

export { DEFAULT_PARTITIONS } from './job-request.js';
export { MAX_FINISHED_BYTES, MAX_FINISHED_JOBS } from './retention.js';

export interface JobServiceOptions {
  maxAttempts: number;
  maxPartitions: number;
  /** Trusted task directories (real paths); user task modules load from nowhere else. */
  tasksDirs?: readonly string[];
  log: Logger;
  /** The journal, with --state-dir. */
  store?: StateStore | undefined;
  /** Shipped task bundles. */
  bundles?: BundleStore | undefined;
  /** Jobs' shared values (`PUT /api/shared/:hash`). */
  shared?: SharedStore | undefined;
}

/** What the facade reads of the cluster. */
export interface ClusterView {
  readonly jobs: ReadonlyMap<string, Job>;
  readonly agents: ReadonlyMap<string, AgentSession>;
}

/** Where jobs go: the executor, which feeds them to the cluster. */
export interface JobHandoff {
  submit(job: Job): void;
  cancel(jobId: string): void;
}

export class JobService {
  accepting = true;
  /** Reports of jobs that had finished before a restart (their partitions are not reloaded). */
  private readonly restoredReports = new Map<string, JobReport>();

  constructor(
    private readonly cluster: ClusterView,
    private readonly handoff: JobHandoff,
    private readonly streams: EventStreams,
    private readonly options: JobServiceOptions,
  ) {}

  async submit(body: unknown): Promise<JobReport> {
    if (!this.accepting) throw new CohortError(ErrorCode.SHUTTING_DOWN, 'the coordinator is shutting down and accepts no new jobs');
    const parsed = parseJobRequest(body, this.options);
    const sharedRequest = parseSharedRequest((body as { shared?: unknown }).shared);
    const spec = sharedRequest ? { ...parsed, shared: await resolveShared(sharedRequest, this.options.shared) } : parsed;
    const task = await this.loadJobTask(spec.task);
    let split: unknown;
    try {
      split = task.split(spec.input, spec.partitions);
    } catch (err) {
      throw new CohortError(ErrorCode.BAD_INPUT, `task ${spec.task} rejected its input: ${(err as Error).message}`, { cause: err });
    }
    const inputs = checkSplitOutput(spec.task, split, this.options.maxPartitions);
    const timeoutMs = spec.timeoutMs || task.profile.timeoutMs || 0;
    const job = new Job(newJobId(), { ...spec, timeoutMs, partitions: inputs.length }, task.profile.isolation, Date.now(), inputs, task);
    // Durable before anyone learns the job id, so that a client can always re-attach after a restart.
    await this.options.store?.jobSubmitted(job, spec.partitions, spec.input);
    this.handoff.submit(job);
    return jobReport(job, Date.now());
  }

  /** A built-in, a module in a trusted --tasks-dir, or a shipped bundle (checked against its hash first). */
  private async loadJobTask(name: string): Promise<TaskModule> {
    const { bundles, tasksDirs } = this.options;
    if (isBundleRef(name)) {
      if (!bundles) throw new CohortError(ErrorCode.UNKNOWN_TASK, 'this coordinator takes no shipped task bundles');
      await bundles.size(bundleHashOf(name));
    }
    return loadTask(name, { builtins: builtinTasks, tasksDirs, bundleDir: bundles?.dir });
  }

  /**
   * Store a shared value in-process (what `PUT /api/shared/:hash` does for
   * a client): name it in a submission as `shared: {hash, kind}`.
   */
  async storeShared(data: Uint8Array): Promise<{ hash: string; bytes: number; stored: boolean }> {
    if (!this.options.shared) throw new CohortError(ErrorCode.SHARED_NOT_FOUND, 'this coordinator takes no shared values');
    const hash = sha256Hex(data);
    return { hash, ...(await this.options.shared.putStream(hash, [data], Number.MAX_SAFE_INTEGER)) };
  }

  cancel(jobId: string): JobReport {
    this.job(jobId);
    this.handoff.cancel(jobId);
    return this.report(jobId);
  }

  // ---------------------------------------------------------------- queries

  private job(jobId: string): Job {
    const job = this.cluster.jobs.get(jobId);
    if (!job) throw new CohortError(ErrorCode.NOT_FOUND, `no job ${jobId}`);
    return job;
  }

  /** Whether there is a report of this job: live, retained, or finished before a restart. */
  knows(jobId: string): boolean {
    return this.restoredReports.has(jobId) || this.cluster.jobs.has(jobId);
  }

  /** The job's report; with `msgpack`, its merged result also `packed` exactly (api.ts). */
  report(jobId: string, encoding: ValueEncoding = 'json'): JobReport {
    const report = this.restoredReports.get(jobId) ?? jobReport(this.job(jobId), Date.now());
    if (encoding !== 'msgpack' || report.status !== 'succeeded') return report;
    const packed = packValue(report.result);
    return packed === undefined ? report : { ...report, packed };
  }

  list(): JobSummary[] {
    return [...this.cluster.jobs.values()].map((job) => ({ ...jobProgress(job, this.options.store?.durableCount), task: job.spec.task }));
  }

  agents(): AgentInfo[] {
    const now = Date.now();
    return [...this.cluster.agents.values()].map((s) => ({
      agentId: s.id,
      name: s.name,
      state: s.state,
      slots: s.slots,
      mode: s.mode,
      held: s.held.size,
      window: s.window,
      accepted: s.accepted,
      failed: s.failed,
      silentMs: now - s.lastSeen,
      load: s.load ?? null,
      hardware: s.hardware,
      escalated: Object.fromEntries(s.escalated),
    }));
  }

  /**
   * A progress stream: cluster events only (no `jobId`), or a job's progress
   * and end; with `results`, also each accepted result (result-events.ts).
   * `submitted` is the report of a job just submitted on this same request.
   */
  watch(res: ServerResponse, jobId: string | undefined, results?: ValueEncoding, submitted?: JobReport): void {
    const restored = jobId === undefined ? undefined : this.restoredReports.get(jobId);
    if (restored) {
      this.streams.open(res, jobId);
      this.streams.sendJob(restored.jobId, 'end', restored, true);
      return;
    }
    const job = jobId === undefined ? undefined : this.job(jobId);
    this.streams.open(res, jobId, job && results ? resultSource(job, results, this.options.store?.durableCount) : undefined);
    if (submitted) this.streams.sendJob(submitted.jobId, 'submitted', submitted);
    if (job) {
      this.streams.sendJob(job.id, 'progress', jobProgress(job, this.options.store?.durableCount));
      if (job.finished) this.streams.sendJob(job.id, 'end', jobReport(job, Date.now()), true);
    }
  }

  // ---------------------------------------------------------------- restart

  /**
   * Rebuild jobs from the journal: unfinished jobs are split again (split is
   * deterministic for the same input and count) and their accepted results put
   * back, so only partitions with no accepted result run again. Finished jobs
   * keep a report.
   */
  async restore(state: RecoveredState): Promise<void> {
    const now = Date.now();
    for (const [jobId, rec] of state.jobs) {
      const spec = rec.job;
      if (rec.finished) {
        this.restoredReports.set(jobId, restoredReport(jobId, spec.task, spec.partitions, spec.createdAt, rec.finished, rec.results.size));
        continue;
      }
      let task: TaskModule;
      let inputs: unknown[];
      try {
        task = await this.loadJobTask(spec.task);
        // Its shared value must still be here and sound, or no agent could run it.
        if (spec.shared) await this.options.shared?.size(spec.shared.hash);
        inputs = task.split(spec.input, spec.partitions);
      } catch (err) {
        // Answered as failed with the cause (a damaged or missing bundle, say), never as a job that does not exist.
        const error = { code: toWireError(err).code, message: `the job could not be restored: ${(err as Error).message}` };
        this.options.log.error('journaled job cannot be restored', { jobId, task: spec.task, code: error.code, message: (err as Error).message });
        this.restoredReports.set(jobId, restoredReport(jobId, spec.task, spec.partitions, spec.createdAt, { status: 'failed', error }, rec.results.size));
        continue;
      }
      const job = new Job(
        jobId,
        {
          task: spec.task,
          input: spec.input,
          partitions: inputs.length,
          timeoutMs: spec.timeoutMs,
          maxAttempts: spec.maxAttempts,
          ...(spec.priority !== undefined && { priority: spec.priority }),
          ...sharedOf(spec),
        },
        task.profile.isolation,
        spec.createdAt,
        inputs,
        task,
      );
      job.restored = true;
      for (const [index, r] of rec.results) {
        const p = job.partitions[index];
        if (p) job.recover(p, r, now);
      }
      this.handoff.submit(job);
      this.options.log.info('job restored', { jobId, task: spec.task, partitions: job.total, recovered: job.recovered });
    }
  }
}

/** A journaled job's shared value, as a JobSpec field. */
function sharedOf(spec: { shared?: SharedRef }): { shared?: SharedRef } {
  return spec.shared ? { shared: spec.shared } : {};
}
