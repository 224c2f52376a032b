/**
 * `runJob()`: submit a job (or attach to one) and follow it to the end. If
 * the stream breaks, because the coordinator restarted for instance, it
 * re-attaches to the same job id with backoff until `reattachTimeoutMs`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CohortError, ErrorCode, type ClusterEvent, type JobProgress, type JobReport, type SharedKind, type TlsClientOptions } from '@cohort/shared';
import { Backoff, type BackoffOptions } from '@cohort/shared/internal';
import { ApiClient, shipSharedBytes, shipTask, type ShippedShared, type ShippedTask } from '@cohort/sdk';

/** How long a client command keeps trying while the coordinator cannot be reached (a restart): following a job, cancelling it, reading its log. */
export const DEFAULT_REATTACH_TIMEOUT_MS = 60_000;
const UNREACHABLE: ReadonlySet<string> = new Set([ErrorCode.CONNECT_FAILED, ErrorCode.SHUTTING_DOWN]);

/** True for the errors that mean "the coordinator cannot be reached now", worth another try until DEFAULT_REATTACH_TIMEOUT_MS. */
export function unreachable(err: unknown): boolean {
  return UNREACHABLE.has((err as { code?: string } | null)?.code ?? '');
}
/** Re-attach delays: 100 ms, doubling to at most 2 s, without jitter (one client per job). */
const REATTACH_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 2000, jitter: false };

export type { JobProgress };

export interface RunJobOptions {
  url: string;
  token?: string | undefined;
  /** How a wss:// or https:// coordinator is verified. */
  tls?: TlsClientOptions | undefined;
  /** Send the token over plain ws:// or http:// beyond loopback (--insecure-no-tls). */
  insecureNoTls?: boolean | undefined;
  task?: string;
  input?: unknown;
  /** The job's shared value (`--shared @FILE`, `--shared-json @FILE`), uploaded unless the coordinator has it. */
  shared?: { kind: SharedKind; data: Uint8Array } | undefined;
  partitions?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  /** The job's weight when running jobs share the agents (1..1000). */
  priority?: number;
  /** Follow an existing job instead of submitting one. */
  attach?: string;
  reattachTimeoutMs?: number;
  /** Submit and return the first report at once, without following the job (`cohort run --detach`). */
  detach?: boolean;
  /** Stop following (the job runs on): runJob rejects with the signal's reason. */
  signal?: AbortSignal;
  /** A task module was bundled (and uploaded, unless the coordinator had it). */
  onShipped?(shipped: ShippedTask): void;
  /** The shared value was uploaded (or found on the coordinator). */
  onSharedShipped?(shipped: ShippedShared): void;
  onSubmitted?(report: JobReport): void;
  onProgress?(progress: JobProgress): void;
  /** Cluster events while the job runs (agent lost, speculative copy, …). */
  onCluster?(event: ClusterEvent): void;
  onReattach?(attempt: number, error: CohortError): void;
}

export async function runJob(options: RunJobOptions): Promise<JobReport> {
  const api = new ApiClient({ url: options.url, token: options.token, tls: options.tls, insecureNoTls: options.insecureNoTls });
  try {
    const submitted = options.attach ? undefined : await submit(api, options);
    if (submitted && options.detach) return submitted;
    return await follow(api, submitted?.jobId ?? (options.attach as string), options);
  } finally {
    await api.close();
  }
}

/** Ship the task and submit the job; its first report. */
async function submit(api: ApiClient, options: RunJobOptions): Promise<JobReport> {
  if (!options.task) throw new CohortError(ErrorCode.INVALID_OPTION, 'a task name is required unless --attach is given');
  const shipped = await shipTask(options.task, api);
  if (shipped.file !== undefined) options.onShipped?.(shipped);
  const body: Record<string, unknown> = { task: shipped.ref, input: options.input };
  if (options.shared) {
    const sent = await shipSharedBytes(api, options.shared.kind, options.shared.data);
    options.onSharedShipped?.(sent);
    body.shared = { hash: sent.hash, kind: sent.kind };
  }
  if (options.partitions !== undefined) body.partitions = options.partitions;
  if (options.timeoutMs !== undefined) body.timeoutMs = options.timeoutMs;
  if (options.maxAttempts !== undefined) body.maxAttempts = options.maxAttempts;
  if (options.priority !== undefined) body.priority = options.priority;
  const submitted = await api.submit(body);
  options.onSubmitted?.(submitted);
  return submitted;
}

/** Follow job `jobId` to its end, re-attaching while the coordinator cannot be reached (up to reattachTimeoutMs). */
async function follow(api: ApiClient, jobId: string, options: RunJobOptions): Promise<JobReport> {
  const deadlineMs = options.reattachTimeoutMs ?? DEFAULT_REATTACH_TIMEOUT_MS;
  let brokenSince: number | undefined;
  const backoff = new Backoff(REATTACH_BACKOFF);
  for (let attempt = 0; attempt < 10_000; attempt++) {
    let report: JobReport | undefined;
    try {
      await api.stream(
        `/api/jobs/${jobId}/events`,
        (e) => {
          brokenSince = undefined;
          if (e.event === 'progress') options.onProgress?.(e.data);
          else if (e.event === 'cluster') options.onCluster?.(e.data);
          else if (e.event === 'end') {
            report = e.data;
            return true;
          }
          return false;
        },
        options.signal,
      );
      if (report) return report;
      throw new CohortError(ErrorCode.CONNECT_FAILED, 'the progress stream ended before the job did');
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      const e = err instanceof CohortError ? err : new CohortError(ErrorCode.CONNECT_FAILED, (err as Error).message, { cause: err });
      if (e.code !== ErrorCode.CONNECT_FAILED) throw e;
      brokenSince ??= Date.now();
      if (Date.now() - brokenSince > deadlineMs) {
        throw new CohortError(ErrorCode.CONNECT_FAILED, `lost the coordinator for over ${deadlineMs} ms while following job ${jobId}: ${e.message}`);
      }
      options.onReattach?.(attempt + 1, e);
      await sleep(backoff.next(), undefined, options.signal ? { signal: options.signal } : {});
    }
  }
  throw new CohortError(ErrorCode.CONNECT_FAILED, `gave up following job ${jobId}`);
}
