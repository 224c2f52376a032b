/**
 * `connect()`: a program's handle on a Cohort cluster. Submit a job by
 * built-in name or by the path of a task module (bundled, named by its
 * hash, and uploaded once), then follow it through the returned `Job`.
 *
 *   const cluster = await connect('ws://127.0.0.1:7070', { token });
 *   const job = await cluster.submit('./task.ts', input, { partitions: 8 });
 *   for await (const r of job.results()) console.log(r.index, r.value);
 *   console.log(await job.result());
 *
 * Over TLS, pin the coordinator's certificate (or trust a CA bundle: PEM
 * text, read it with fs):
 *
 *   const cluster = await connect('wss://coord:7070', { token, tls: { fingerprint: 'sha256:…' } });
 *   const cluster = await connect('https://coord:7070', { token, tls: { ca: readFileSync('ca.pem', 'utf8') } });
 */
import { CohortError, ErrorCode, VERSION, isSecureUrl, type AgentInfo, type JobStreamEvent, type JobSummary, type TlsClientOptions } from '@cohort/shared';
import { tlsClientFromFlags } from '@cohort/shared/internal';
import { ApiClient } from './api-client.js';
import { Job } from './job.js';
import { shipShared } from './shared-upload.js';
import { shipTask } from './task-source.js';

/** What a coordinator that forgot an upload (restarted without a state directory, or a damaged copy) answers: ship again, once. */
const RESHIP: ReadonlySet<string> = new Set([
  ErrorCode.BUNDLE_NOT_FOUND,
  ErrorCode.BUNDLE_HASH_MISMATCH,
  ErrorCode.SHARED_NOT_FOUND,
  ErrorCode.SHARED_HASH_MISMATCH,
]);

export interface ConnectOptions {
  /** The client credential (the coordinator's --token); defaults to COHORT_TOKEN. */
  token?: string | undefined;
  /** How long a job's stream may stay broken (a coordinator restart) before results() and result() fail; default 60 s. */
  reattachTimeoutMs?: number;
  /**
   * How a wss:// or https:// coordinator is verified: `{fingerprint: 'sha256:…'}` (pinned), `{ca: PEM}`, and for
   * mutual TLS `{cert: PEM, key: PEM}`; PEM text, not paths. Default, for a wss:// or https:// URL: COHORT_TLS_FINGERPRINT
   * and COHORT_TLS_CA (a PEM file's path) when set, else the system's CAs (the variables leave ws:// and http:// alone).
   * Given here, refused with ws:// or http://.
   */
  tls?: TlsClientOptions;
  /**
   * Send the token over plain ws:// or http:// beyond loopback (a network you trust). Without it, such a URL with a
   * token is refused with TLS_REQUIRED before any connection. Default false.
   */
  insecureNoTls?: boolean;
}

export interface SubmitOptions {
  /** How many partitions to split the input into (the coordinator's default when absent). */
  partitions?: number;
  /** Per-partition time limit, ms; 0 means none. */
  timeoutMs?: number;
  /** Attempts per partition before the job fails. */
  maxAttempts?: number;
  /** The job's weight when running jobs share the agents (an integer in LIMITS.priority, 1..1000; the coordinator's default is 1). */
  priority?: number;
  /** The largest bundle to upload, bytes (default 50 MiB); a larger one is refused with its largest inputs listed. */
  maxBundleBytes?: number;
  /** Where a relative task path is resolved from; default the process's working directory. */
  cwd?: string;
  /**
   * A value every partition reads as `ctx.shared` (split never sees it): a Buffer, Uint8Array or ArrayBuffer, another typed
   * array (read back as the same kind, over shared memory on thread slots), or any JSON value. Uploaded once
   * by its SHA-256 before the job is submitted (up to the coordinator's --max-shared-bytes, 1 GiB by default).
   */
  shared?: unknown;
}

export const DEFAULT_REATTACH_TIMEOUT_MS = 60_000;

export class Cluster {
  /** Bundles and shared values this client knows the coordinator has. */
  private readonly uploaded = new Set<string>();

  constructor(
    readonly api: ApiClient,
    private readonly reattachTimeoutMs: number,
  ) {}

  /**
   * Submit a job. `task` is a built-in name (`primes`), the path of a task
   * module (`./task.ts`, bundled and shipped), or a `sha256:` bundle ref.
   */
  async submit<R = unknown, J = unknown>(task: string, input: unknown, options: SubmitOptions = {}): Promise<Job<R, J>> {
    let events: AsyncGenerator<JobStreamEvent>;
    try {
      events = await this.open(task, input, options);
    } catch (err) {
      // A coordinator restarted without a state directory has forgotten what this client uploaded, or its copy was
      // damaged on disk: ship it again, once.
      const code = (err as CohortError).code;
      if (!RESHIP.has(code) || this.uploaded.size === 0) throw err;
      this.uploaded.clear();
      events = await this.open(task, input, options);
    }
    const first = await events.next();
    if (first.done || first.value.event !== 'submitted') {
      await events.return(undefined);
      throw new CohortError(ErrorCode.INTERNAL, 'the coordinator did not answer the submission with its report');
    }
    return new Job<R, J>(this.api, first.value.data, events, this.reattachTimeoutMs);
  }

  /** Ship the task if it is a path, and submit: the answer is the job's stream. */
  private async open(task: string, input: unknown, options: SubmitOptions): Promise<AsyncGenerator<JobStreamEvent>> {
    const { ref } = await shipTask(task, this.api, { ...options, uploaded: this.uploaded });
    const body: Record<string, unknown> = { task: ref, input };
    if (options.shared !== undefined) {
      const { hash, kind } = await shipShared(this.api, options.shared, this.uploaded);
      body.shared = { hash, kind };
    }
    if (options.partitions !== undefined) body.partitions = options.partitions;
    if (options.timeoutMs !== undefined) body.timeoutMs = options.timeoutMs;
    if (options.maxAttempts !== undefined) body.maxAttempts = options.maxAttempts;
    if (options.priority !== undefined) body.priority = options.priority;
    return this.api.openStream('/api/jobs?results=1&encoding=msgpack', undefined, body);
  }

  agents(): Promise<AgentInfo[]> {
    return this.api.agents();
  }

  jobs(): Promise<JobSummary[]> {
    return this.api.jobs();
  }

  /** Let go of the connections kept for the next request (https://); a program need not wait for this to exit. */
  close(): Promise<void> {
    return this.api.close();
  }
}

/** Connect to a coordinator (`ws://HOST:PORT` or `http://HOST:PORT`): checks that it answers and that the token is good. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Cluster> {
  const token = options.token ?? (process.env.COHORT_TOKEN || undefined);
  const tls = options.tls ?? tlsClientFromFlags({}, process.env, isSecureUrl(url));
  const api = new ApiClient({ url, token, ...(tls && { tls }), insecureNoTls: options.insecureNoTls });
  try {
    await api.jobs();
  } catch (err) {
    await api.close();
    throw err;
  }
  return new Cluster(api, options.reattachTimeoutMs ?? DEFAULT_REATTACH_TIMEOUT_MS);
}

export { VERSION };
