/**
 * The ApiClient's requests. For an https:// coordinator: undici's own
 * `fetch`, with an undici `Agent` whose every connection comes from
 * `tlsConnector` (shared/tls-connect.ts), so that nothing is written to a
 * coordinator before it was verified. One Agent per client; its idle
 * sockets do not hold the event loop open (undici unrefs them), and
 * `close()` lets them go. undici is loaded on the first https request only
 * (it costs every CLI process ~150 ms at start); plain http:// on loopback
 * uses Node's own fetch.
 *
 * Errors: undici wraps a connector's failure in `TypeError: fetch failed`
 * with the failure as `cause`; it is unwrapped here, so that TLS_FAILED
 * keeps its code, and everything else that did not reach the coordinator is
 * CONNECT_FAILED. A TLS alert after the handshake (TLS 1.3: a coordinator
 * asking for a client certificate refuses it only then) reaches undici as
 * 'other side closed'; the alert is kept here by the socket's local port so
 * that the failure still says TLS_FAILED.
 */
import { CohortError, DEFAULT_TLS_CONNECT_TIMEOUT_MS, ErrorCode, tlsAlertError, tlsConnector, type TlsClientOptions } from '@cohort/shared';
import type { TLSSocket } from 'node:tls';
import type { Agent, buildConnector } from 'undici';

/** TLS alerts remembered for the failures that follow them (a few: they are read at once). */
const MAX_ALERTS = 16;

/** A request as the ApiClient makes it. */
export type FetchInit = RequestInit;

type Fetcher = (url: string, init: FetchInit) => Promise<Response>;

export class VerifiedFetch {
  private agent: Agent | undefined;
  private fetcher: Promise<Fetcher> | undefined;
  private closed = false;
  private readonly connector: buildConnector.connector | undefined;
  /** TLS alerts by the local port of the socket that received them. */
  private readonly alerts = new Map<number, CohortError>();

  constructor(
    private readonly base: string,
    tls: TlsClientOptions | undefined,
  ) {
    const secure = base.startsWith('https:');
    if (tls !== undefined && !secure) {
      throw new CohortError(ErrorCode.INVALID_OPTION, `TLS options (a CA or a fingerprint) need an https:// or wss:// URL, not ${base}`);
    }
    if (secure) {
      const connect = tlsConnector(tls ?? {}, DEFAULT_TLS_CONNECT_TIMEOUT_MS);
      const watched: buildConnector.connector = (options, callback) =>
        connect(options, (err, socket) => {
          if (err || !socket) return callback(err ?? new Error('no socket'), null);
          this.watch(socket);
          callback(null, socket);
        });
      this.connector = watched;
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

  private watch(socket: TLSSocket): void {
    const port = socket.localPort;
    socket.on('error', (err) => {
      const alert = tlsAlertError(err, this.base);
      if (!alert || port === undefined) return;
      if (this.alerts.size >= MAX_ALERTS) this.alerts.clear();
      this.alerts.set(port, alert);
    });
  }

  /** A failed fetch as a CohortError: the connector's own (TLS_FAILED) through, a TLS alert as TLS_FAILED, the rest CONNECT_FAILED. */
  private failure(err: unknown): unknown {
    const cause = (err as { cause?: unknown })?.cause ?? err;
    if (cause instanceof CohortError && cause.code === ErrorCode.TLS_FAILED) return cause;
    const alert = tlsAlertError(cause, this.base) ?? this.alertOf(cause);
    if (alert) return alert;
    const why = cause instanceof Error ? cause.message : String(cause);
    return new CohortError(ErrorCode.CONNECT_FAILED, `cannot reach the coordinator at ${this.base}: ${why}`, { cause: err });
  }

  /** The alert that came before undici's SocketError (which names the socket's local port). */
  private alertOf(cause: unknown): CohortError | undefined {
    const port = (cause as { socket?: { localPort?: unknown } } | undefined)?.socket?.localPort;
    if (typeof port !== 'number') return undefined;
    const alert = this.alerts.get(port);
    this.alerts.delete(port);
    return alert;
  }
}
