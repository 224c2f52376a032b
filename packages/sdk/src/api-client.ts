/**
 * A client for the coordinator's JSON API and its event streams: what the
 * SDK's `connect`, `cohort run`, the demo, drills and tests use. The URL may
 * be given as ws:// (what agents use) or http://; both name the same port.
 * Over https:// (or wss://) every connection is verified by `tls` (a pinned
 * fingerprint, a CA bundle, or the system's CAs) before a byte of the
 * request, and so of the token, is written: see verified-fetch.ts.
 */
import {
  CohortError,
  ErrorCode,
  errorAnswer,
  httpBase,
  isErrorCode,
  normalizeTlsOptions,
  parseAgentList,
  parseCoordinatorUrl,
  parseJobList,
  parseJobReport,
  refuseTlsOverPlain,
  refuseTokenInClear,
  type AgentInfo,
  type JobReport,
  type JobStreamEvent,
  type JobSummary,
  type TlsClientOptions,
} from '@cohort/shared';
import { DEFAULT_TLS_CONNECT_TIMEOUT_MS } from '@cohort/shared/internal';
import { readEvents } from './sse-reader.js';
import { VerifiedFetch, type FetchInit } from './verified-fetch.js';

export interface ApiClientOptions {
  url: string;
  token?: string | undefined;
  /**
   * How an https:// (or wss://) coordinator is verified: PEM text, not paths
   * (read files with `fs.readFileSync(path, 'utf8')`). Without it, the
   * system's CAs. Refused with an http:// or ws:// URL, and so are a CA and a
   * fingerprint together. (This option is not read from the environment:
   * `connect()` and the CLI read COHORT_TLS_CA / COHORT_TLS_FINGERPRINT.)
   */
  tls?: TlsClientOptions | undefined;
  /** The most a TCP connect plus TLS handshake to an https:// coordinator may take (CONNECT_FAILED then); default DEFAULT_TLS_CONNECT_TIMEOUT_MS (10 s). */
  tlsConnectTimeoutMs?: number | undefined;
  /**
   * Send the token over plain http:// or ws:// beyond loopback (a network you trust). Without it, such a URL with a
   * token is refused with TLS_REQUIRED when the client is made, before any connection. Default false.
   */
  insecureNoTls?: boolean | undefined;
}

/** The http(s):// base of a coordinator URL (kept in @cohort/shared so that the CLI's agent and coordinator commands need not load the SDK). */
export { httpBase };
/** The default of `tlsConnectTimeoutMs`: 10 s for the TCP connect and the TLS handshake together. */
export { DEFAULT_TLS_CONNECT_TIMEOUT_MS };

/** The coordinator's error answer as a CohortError (its code, message and details). */
async function answerError(res: Response): Promise<CohortError> {
  const text = await res.text().catch(() => '');
  let e: ReturnType<typeof errorAnswer>;
  try {
    e = errorAnswer(JSON.parse(text));
  } catch {
    return new CohortError(ErrorCode.INTERNAL, `coordinator answered HTTP ${res.status} with non-JSON`);
  }
  const code = isErrorCode(e?.code) ? e.code : ErrorCode.INTERNAL;
  return new CohortError(code, e?.message ?? `HTTP ${res.status}`, e?.details ? { details: e.details } : {});
}

/** A request body as JSON; BAD_INPUT for what JSON cannot say (a BigInt, a cycle) rather than a TypeError. */
function jsonText(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (err) {
    throw new CohortError(ErrorCode.BAD_INPUT, `a job's input travels as JSON, and this one cannot: ${(err as Error).message}`, { cause: err });
  }
}

export class ApiClient {
  readonly base: string;
  private readonly http: VerifiedFetch;
  constructor(private readonly options: ApiClientOptions) {
    const target = parseCoordinatorUrl(options.url);
    this.base = target.httpBase;
    const tls = normalizeTlsOptions(options.tls);
    if (tls !== undefined) refuseTlsOverPlain(target, 'TLS options (a CA, a fingerprint or a client certificate)');
    refuseTokenInClear(target, Boolean(options.token), options.insecureNoTls);
    const timeoutMs = options.tlsConnectTimeoutMs ?? DEFAULT_TLS_CONNECT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new CohortError(ErrorCode.INVALID_OPTION, 'tlsConnectTimeoutMs must be a positive integer (ms)');
    this.http = new VerifiedFetch(target, tls, timeoutMs);
  }

  /** Let go of the connections kept for the next request (over https://). Idempotent. */
  close(): Promise<void> {
    return this.http.close();
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.options.token ? { ...extra, authorization: `Bearer ${this.options.token}` } : extra;
  }

  /** One fetch; CONNECT_FAILED when the coordinator cannot be reached, TLS_FAILED when it could not be verified. */
  private fetch(path: string, init: FetchInit): Promise<Response> {
    return this.http.fetch(path, init);
  }

  /** One request; the parsed JSON answer, or the coordinator's error as a CohortError. */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const json = body !== undefined && !(body instanceof Uint8Array);
    const res = await this.fetch(path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': json ? 'application/json' : 'application/octet-stream' }),
      ...(body !== undefined && { body: json ? jsonText(body) : (body as Uint8Array) }),
    });
    if (!res.ok) throw await answerError(res);
    const text = await res.text();
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw new CohortError(ErrorCode.INTERNAL, `coordinator answered HTTP ${res.status} with non-JSON`);
    }
  }

  /** `POST /api/jobs`: submit a job; the answer is its first report. */
  async submit(body: Record<string, unknown>): Promise<JobReport> {
    return parseJobReport(await this.request('POST', '/api/jobs', body));
  }

  /** `GET /api/jobs/:id`; with `exact`, `packed` also carries the merged result exactly (unpackValue). */
  async report(jobId: string, exact = false): Promise<JobReport> {
    return parseJobReport(await this.request('GET', `/api/jobs/${encodeURIComponent(jobId)}${exact ? '?encoding=msgpack' : ''}`));
  }

  /** `DELETE /api/jobs/:id` */
  async cancel(jobId: string): Promise<JobReport> {
    return parseJobReport(await this.request('DELETE', `/api/jobs/${encodeURIComponent(jobId)}`));
  }

  /** `GET /api/jobs` */
  async jobs(): Promise<JobSummary[]> {
    return parseJobList(await this.request('GET', '/api/jobs'));
  }

  /** `GET /api/agents` */
  async agents(): Promise<AgentInfo[]> {
    return parseAgentList(await this.request('GET', '/api/agents'));
  }

  /** `GET /api/bundles/:hash`: the bundle's size when the coordinator has it sound, else undefined (a damaged copy is replaced by uploading). */
  async bundleSize(hash: string): Promise<number | undefined> {
    try {
      const answer = (await this.request('GET', `/api/bundles/${hash}`)) as { bytes?: unknown };
      return typeof answer.bytes === 'number' ? answer.bytes : undefined;
    } catch (err) {
      const code = (err as CohortError).code;
      if (code === ErrorCode.BUNDLE_NOT_FOUND || code === ErrorCode.BUNDLE_HASH_MISMATCH) return undefined;
      throw err;
    }
  }

  /** `PUT /api/bundles/:hash` */
  async uploadBundle(hash: string, bytes: Uint8Array): Promise<void> {
    await this.request('PUT', `/api/bundles/${hash}`, bytes);
  }

  /** `GET /api/shared/:hash`: the shared value's size when the coordinator has it sound, else undefined (a damaged copy is replaced by uploading). */
  async sharedSize(hash: string): Promise<number | undefined> {
    try {
      const answer = (await this.request('GET', `/api/shared/${hash}`)) as { bytes?: unknown };
      return typeof answer.bytes === 'number' ? answer.bytes : undefined;
    } catch (err) {
      const code = (err as CohortError).code;
      if (code === ErrorCode.SHARED_NOT_FOUND || code === ErrorCode.SHARED_HASH_MISMATCH) return undefined;
      throw err;
    }
  }

  /** `PUT /api/shared/:hash`: the value's raw bytes (SHARED_TOO_LARGE past the coordinator's --max-shared-bytes). */
  async uploadShared(hash: string, bytes: Uint8Array): Promise<void> {
    await this.request('PUT', `/api/shared/${hash}`, bytes);
  }

  /** Open an event stream (`GET`, or `POST` with a body: a submission answered by its job's stream). */
  async openStream(path: string, signal?: AbortSignal, body?: unknown): Promise<AsyncGenerator<JobStreamEvent>> {
    const res = await this.fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: this.headers({ accept: 'text/event-stream', ...(body !== undefined && { 'content-type': 'application/json' }) }),
      ...(body !== undefined && { body: jsonText(body) }),
      ...(signal && { signal }),
    });
    if (!res.ok || !res.body) throw await answerError(res);
    return readEvents(res.body as ReadableStream<Uint8Array>);
  }

  /** Read a server-sent event stream until it ends, `onEvent` returns true, or `signal` aborts. */
  async stream(path: string, onEvent: (e: JobStreamEvent) => boolean | undefined, signal?: AbortSignal): Promise<void> {
    const events = await this.openStream(path, signal);
    try {
      for await (const e of events) if (onEvent(e) === true) return;
    } catch (err) {
      if (err instanceof CohortError) throw err;
      throw new CohortError(ErrorCode.CONNECT_FAILED, `the stream from ${this.base} broke: ${(err as Error).message}`, { cause: err });
    } finally {
      await events.return(undefined);
    }
  }
}
