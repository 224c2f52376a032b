/**
 * Jobs as the API sees them: validate a submission, load the task, split it,
 * hand the job to the cluster; merge when every partition is in; answer
 * reports and progress streams. Merges run on a later turn of the event
 * loop, never inside a socket handler.
 */
import type { ServerResponse } from 'node:http';
import { CohortError, ErrorCode, encode, encodeValue, loadTask, newJobId, toWireError, type AgentInfo, type JobSummary, type TaskModule, type Logger } from '@cohort/shared';
import { builtinTasks } from '@cohort/tasks/builtins';
import type { Cluster, ClusterEvent } from './cluster.js';
import { Job } from './job.js';
import { checkSplitOutput, parseJobRequest } from './job-request.js';
import type { RecoveredState } from './journal.js';
import { transition } from './partition-machine.js';
import type { StateStore } from './state-store.js';
import { jobProgress, jobReport, type JobReport } from './report.js';
import { EventStreams } from './sse.js';

export { DEFAULT_PARTITIONS } from './job-request.js';
/** Finished jobs kept for reports; older ones are forgotten. */
export const MAX_FINISHED_JOBS = 1000;
/** And at most this many bytes of their merged results (the largest single result is kept regardless). */
export const MAX_FINISHED_BYTES = 256 * 1024 * 1024;

export interface JobServiceOptions {
  maxAttempts: number;
  maxPartitions: number;
  /** Trusted task directories (real paths); user task modules load from nowhere else. */
  tasksDirs?: readonly string[];
  log: Logger;
  scheduleSoon(): void;
  /** The journal, with --state-dir. */
  store?: StateStore | undefined;
}

export class JobService {
  accepting = true;
  readonly streams = new EventStreams();
  private readonly tasks = new Map<string, TaskModule>();
  private readonly finishedOrder: Array<{ jobId: string; bytes: number }> = [];
  private finishedBytes = 0;
  /** Reports of jobs that had finished before a restart (their partitions are not reloaded). */
  private readonly restoredReports = new Map<string, JobReport>();

  constructor(
    private readonly cluster: Cluster,
    private readonly options: JobServiceOptions,
  ) {}

  async submit(body: unknown): Promise<JobReport> {
    if (!this.accepting) throw new CohortError(ErrorCode.SHUTTING_DOWN, 'the coordinator is shutting down and accepts no new jobs');
    const spec = parseJobRequest(body, this.options);
    const task = await loadTask(spec.task, { builtins: builtinTasks, tasksDirs: this.options.tasksDirs });
    let split: unknown;
    try {
      split = task.split(spec.input, spec.partitions);
    } catch (err) {
      throw new CohortError(ErrorCode.BAD_INPUT, `task ${spec.task} rejected its input: ${(err as Error).message}`, { cause: err });
    }
    const inputs = checkSplitOutput(spec.task, split, this.options.maxPartitions);
    const timeoutMs = spec.timeoutMs || task.profile.timeoutMs || 0;
    const job = new Job(newJobId(), { ...spec, timeoutMs, partitions: inputs.length }, task.profile.isolation, Date.now(), inputs);
    this.tasks.set(job.id, task);
    // Durable before anyone learns the job id, so that a client can always re-attach after a restart.
    await this.options.store?.jobSubmitted(job, spec.partitions, spec.input);
    this.cluster.submit(job);
    this.options.scheduleSoon();
    return jobReport(job, Date.now());
  }

  // ---------------------------------------------------------------- cluster effects

  /** All partitions are in: merge on a later turn, then finish. */
  complete(job: Job): void {
    // Every accepted result is durable before the job can complete.
    const durable = this.options.store ? this.options.store.flush() : Promise.resolve();
    durable.then(() => setImmediate(() => this.merge(job)), () => {});
  }

  private merge(job: Job): void {
    {
      const task = this.tasks.get(job.id);
      try {
        if (!task) throw new CohortError(ErrorCode.INTERNAL, `no task module for job ${job.id}`);
        const result = task.merge(job.partitions.map((p) => p.value));
        // A result that cannot be stored or sent (a cycle, a class, nesting past the model) fails the job
        // here, with its code: otherwise its end could never be journaled, and its watchers would wait forever.
        encodeValue(result, { root: 'merge result' });
        this.cluster.mergeDone(job, { result }, Date.now());
      } catch (err) {
        const wire = toWireError(err, ErrorCode.TASK_ERROR);
        this.cluster.mergeDone(job, { error: { ...wire, message: `merge failed: ${wire.message}` } }, Date.now());
      }
    }
  }

  finished(job: Job): void {
    this.tasks.delete(job.id);
    const durable = this.options.store ? this.options.store.jobFinished(job) : Promise.resolve();
    durable
      .then(() => this.streams.sendJob(job.id, 'end', jobReport(job, Date.now()), true), () => {})
      .catch((err: unknown) => this.options.log.error('job end not sent to watchers', { jobId: job.id, message: (err as Error)?.message }));
    job.release();
    this.retain(job);
  }

  /** Keep finished jobs' reports within MAX_FINISHED_JOBS and MAX_FINISHED_BYTES, forgetting the oldest first. */
  private retain(job: Job): void {
    const bytes = approxBytes(job.result);
    this.finishedOrder.push({ jobId: job.id, bytes });
    this.finishedBytes += bytes;
    while (this.finishedOrder.length > 1 && (this.finishedOrder.length > MAX_FINISHED_JOBS || this.finishedBytes > MAX_FINISHED_BYTES)) {
      const old = this.finishedOrder.shift()!;
      this.finishedBytes -= old.bytes;
      this.cluster.forget(old.jobId);
    }
  }

  progress(job: Job): void {
    this.streams.progress(job.id, () => jobProgress(job));
  }

  notify(event: ClusterEvent): void {
    this.streams.sendAll('cluster', event);
  }

  // ---------------------------------------------------------------- queries

  private job(jobId: string): Job {
    const job = this.cluster.jobs.get(jobId);
    if (!job) throw new CohortError(ErrorCode.NOT_FOUND, `no job ${jobId}`);
    return job;
  }

  report(jobId: string): JobReport {
    const restored = this.restoredReports.get(jobId);
    return restored ?? jobReport(this.job(jobId), Date.now());
  }

  list(): JobSummary[] {
    return [...this.cluster.jobs.values()].map((job) => ({ ...jobProgress(job), task: job.spec.task }));
  }

  cancel(jobId: string): JobReport {
    this.job(jobId);
    this.cluster.cancel(jobId, Date.now());
    return this.report(jobId);
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

  watch(res: ServerResponse, jobId: string | undefined): void {
    const restored = jobId === undefined ? undefined : this.restoredReports.get(jobId);
    if (restored) {
      this.streams.open(res, jobId);
      this.streams.sendJob(restored.jobId, 'end', restored, true);
      return;
    }
    const job = jobId === undefined ? undefined : this.job(jobId);
    this.streams.open(res, jobId);
    if (job) {
      this.streams.sendJob(job.id, 'progress', jobProgress(job));
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
        task = await loadTask(spec.task, { builtins: builtinTasks, tasksDirs: this.options.tasksDirs });
        inputs = task.split(spec.input, spec.partitions);
      } catch (err) {
        this.options.log.error('journaled job cannot be restored', { jobId, task: spec.task, message: (err as Error).message });
        continue;
      }
      const job = new Job(jobId, { task: spec.task, input: spec.input, partitions: inputs.length, timeoutMs: spec.timeoutMs, maxAttempts: spec.maxAttempts }, task.profile.isolation, spec.createdAt, inputs);
      job.restored = true;
      for (const [index, r] of rec.results) {
        const p = job.partitions[index];
        if (!p) continue;
        transition(p, 'succeed', now, r.agent, 'recovered');
        p.value = r.value;
        p.ms = r.ms;
        p.mode = r.mode;
        p.winner = r.agent;
        job.done++;
        job.recovered++;
        job.durations.add(r.ms);
      }
      this.tasks.set(job.id, task);
      this.cluster.submit(job);
      this.options.log.info('job restored', { jobId, task: spec.task, partitions: job.total, recovered: job.recovered });
    }
    this.options.scheduleSoon();
  }
}

/** The encoded size of a value, roughly; what cannot be encoded counts as a small fixed size. */
function approxBytes(value: unknown): number {
  if (value === undefined || value === null) return 16;
  try {
    return encode(value).length;
  } catch {
    return 1024;
  }
}

function restoredReport(jobId: string, task: string, partitions: number, createdAt: number, finished: { status: string; result?: unknown; error?: { code: string; message: string } }, done: number): JobReport {
  return {
    jobId,
    task,
    status: finished.status as JobReport['status'],
    result: finished.result ?? null,
    partitions,
    done,
    running: 0,
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
    createdAt,
    startedAt: 0,
    finishedAt: 0,
    ...(finished.error && { error: finished.error }),
  };
}
