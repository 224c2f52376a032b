/**
 * The ApiClient's requests. For an https:// coordinator: undici's own
 * `fetch`, with an undici `Agent` whose every connection comes from
 * `tlsConnector` (shared/internal/tls-connect.ts), so that nothing is written to a
 * coordinator before it was verified. One Agent per client; its idle
 * sockets do not hold the event loop open (undici unrefs them), and
 * `close()` lets them go. undici is loaded on the first https request only
 * (it costs every CLI process ~150 ms at start); plain http://
 * uses Node's own fetch.
 *
 * Errors: undici wraps a connector's failure in `TypeError: fetch failed`
 * with the failure as `cause`; it is unwrapped here, so that TLS_FAILED
 * keeps its code, and everything else that did not reach the coordinator is
 * CONNECT_FAILED; a TLS alert that undici passes on as the cause is
 * TLS_FAILED. (Cohort's coordinator never refuses a client certificate with
 * an alert: it answers 401 TLS_FAILED over HTTP, an error answer like any
 * other.)
 */
import { CohortError, ErrorCode, type CoordinatorUrl, type TlsClientOptions } from '@cohort/shared';
import { tlsAlertError, tlsConnector } from '@cohort/shared/internal';
import type { Agent, buildConnector } from 'undici';

/** A request as the ApiClient makes it. */
export type FetchInit = RequestInit;

type Fetcher = (url: string, init: FetchInit) => Promise<Response>;

export class VerifiedFetch {
  private agent: Agent | undefined;
  private fetcher: Promise<Fetcher> | undefined;
  private closed = false;
  private readonly connector: buildConnector.connector | undefined;
  private readonly base: string;

  /** `tls` applies to a secure `target` (the caller refused it with a plain one); `timeoutMs` bounds each TCP connect plus TLS handshake. */
  constructor(target: CoordinatorUrl, tls: TlsClientOptions | undefined, timeoutMs: number) {
    this.base = target.httpBase;
    if (target.secure) {
      const connect = tlsConnector(tls ?? {}, timeoutMs);
      this.connector = (options, callback) =>
        connect(options, (err, socket) => (socket ? callback(null, socket) : callback(err ?? new Error('no socket'), null)));
    }
  }

  async fetch(path: string, init: FetchInit): Promise<Response> {
    try {
      this.fetcher ??= this.load();
      return await (await this.fetcher)(`${this.base}${path}`, init);
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.fetcher?.catch(() => undefined);
    if (this.agent && !this.agent.closed) await this.agent.close();
  }

  /** Node's fetch for http://; for https://, undici's with the verifying Agent (loaded now). */
  private async load(): Promise<Fetcher> {
    const connect = this.connector;
    if (connect === undefined) return (url, init) => fetch(url, init);
    const undici = await import('undici');
    if (this.closed) throw new CohortError(ErrorCode.CONNECT_FAILED, `the client for ${this.base} is closed`);
    const agent = new undici.Agent({ connect });
    this.agent = agent;
    // undici's Response is the WHATWG one that Node's fetch returns: the ApiClient reads status, headers, text() and body.
    return (url, init) => undici.fetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
  }

  /** A failed fetch as a CohortError: the connector's own (TLS_FAILED, INVALID_OPTION, a timeout) through, a TLS alert as TLS_FAILED, the rest CONNECT_FAILED. */
  private failure(err: unknown): unknown {
    const cause = (err as { cause?: unknown })?.cause ?? err;
    if (cause instanceof CohortError) return cause;
    const alert = tlsAlertError(cause, this.base);
    if (alert) return alert;
    const why = cause instanceof Error ? cause.message : String(cause);
    return new CohortError(ErrorCode.CONNECT_FAILED, `cannot reach the coordinator at ${this.base}: ${why}`, { cause: err });
  }
}
