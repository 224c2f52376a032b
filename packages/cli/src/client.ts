/**
 * A client for the coordinator's JSON API and its event stream, for `cohort
 * run`, the demo, drills and tests. The URL may be given as ws:// (what agents
 * use) or http://; both name the same port.
 */
import {
  CohortError,
  ErrorCode,
  errorAnswer,
  isErrorCode,
  parseAgentList,
  parseJobList,
  parseJobReport,
  parseStreamEvent,
  type AgentInfo,
  type JobReport,
  type JobStreamEvent,
  type JobSummary,
} from '@cohort/shared';

export interface ApiClientOptions {
  url: string;
  token?: string | undefined;
}

export function httpBase(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  if (u.protocol === 'wss:') u.protocol = 'https:';
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}

export class ApiClient {
  readonly base: string;
  constructor(private readonly options: ApiClientOptions) {
    this.base = httpBase(options.url);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.options.token ? { ...extra, authorization: `Bearer ${this.options.token}` } : extra;
  }

  /** One request; the parsed JSON answer, or the coordinator's error as a CohortError. */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new CohortError(ErrorCode.CONNECT_FAILED, `cannot reach the coordinator at ${this.base}: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new CohortError(ErrorCode.INTERNAL, `coordinator answered HTTP ${res.status} with non-JSON`);
    }
    if (!res.ok) {
      const e = errorAnswer(json);
      const code = isErrorCode(e?.code) ? e.code : ErrorCode.INTERNAL;
      throw new CohortError(code, e?.message ?? `HTTP ${res.status}`, e?.details ? { details: e.details } : {});
    }
    return json;
  }

  /** `POST /api/jobs`: submit a job; the answer is its first report. */
  async submit(body: Record<string, unknown>): Promise<JobReport> {
    return parseJobReport(await this.request('POST', '/api/jobs', body));
  }

  /** `GET /api/jobs/:id` */
  async report(jobId: string): Promise<JobReport> {
    return parseJobReport(await this.request('GET', `/api/jobs/${jobId}`));
  }

  /** `GET /api/jobs` */
  async jobs(): Promise<JobSummary[]> {
    return parseJobList(await this.request('GET', '/api/jobs'));
  }

  /** `GET /api/agents` */
  async agents(): Promise<AgentInfo[]> {
    return parseAgentList(await this.request('GET', '/api/agents'));
  }

  /** Read a server-sent event stream until it ends, `onEvent` returns true, or `signal` aborts. */
  async stream(path: string, onEvent: (e: JobStreamEvent) => boolean | undefined, signal?: AbortSignal): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { headers: this.headers({ accept: 'text/event-stream' }), ...(signal ? { signal } : {}) });
    } catch (err) {
      throw new CohortError(ErrorCode.CONNECT_FAILED, `cannot reach the coordinator at ${this.base}: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let code: ErrorCode = ErrorCode.INTERNAL;
      let message = `HTTP ${res.status}`;
      try {
        const e = errorAnswer(JSON.parse(text));
        if (isErrorCode(e?.code)) code = e.code;
        if (e?.message) message = e.message;
      } catch {}
      throw new CohortError(code, message);
    }
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let sep: number;
        while ((sep = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, sep);
          buffer = buffer.slice(sep + 2);
          let event = 'message';
          let data = '';
          for (const line of chunk.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          const parsed = data ? parseStreamEvent(event, JSON.parse(data)) : undefined;
          if (parsed && onEvent(parsed) === true) return;
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
}
