/**
 * The agent's own HTTP server for GET /metrics (on `--metrics-port`): that
 * route only, bearer-checked with the agent's token unless --metrics-public.
 * Errors are coded JSON, as the coordinator answers them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CohortError, ErrorCode, addressedToLoopback, authorized, type Logger } from '@cohort/shared';
import type { Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';
/** A scraper sends its request at once: a connection silent this long is closed. */
export const METRICS_HEADERS_TIMEOUT_MS = 10_000;

export interface MetricsServerOptions {
  host: string;
  port: number;
  token: string | undefined;
  public: boolean;
  log: Logger;
}

function refuse(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function pathOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://agent').pathname;
  } catch {
    return undefined;
  }
}

async function answer(req: IncomingMessage, res: ServerResponse, registry: Registry, options: MetricsServerOptions): Promise<void> {
  if (!options.public && !authorized(req, options.token)) return refuse(res, 401, ErrorCode.AUTH_FAILED, 'missing or wrong bearer token');
  // Without a token (and not made public on purpose), only loopback names: a guard against DNS rebinding.
  if (!options.public && options.token === undefined && !addressedToLoopback(req.headers.host)) {
    return refuse(res, 403, ErrorCode.FORBIDDEN, 'no token: this endpoint answers only requests addressed to a loopback name');
  }
  const path = pathOf(req);
  if (req.method !== 'GET' || path !== METRICS_PATH) return refuse(res, 404, ErrorCode.NOT_FOUND, `no route ${req.method} ${path ?? '(bad target)'}`);
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Listen on host:port (0 picks one); resolves with the server and the bound port, or rejects with LISTEN_FAILED. */
export function serveMetrics(registry: Registry, options: MetricsServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer({ headersTimeout: METRICS_HEADERS_TIMEOUT_MS, requestTimeout: METRICS_HEADERS_TIMEOUT_MS }, (req, res) => {
    answer(req, res, registry, options).catch((err: unknown) => {
      options.log.error('metrics request failed', { message: (err as Error)?.message });
      if (!res.headersSent) refuse(res, 500, ErrorCode.INTERNAL, 'internal error');
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CohortError(ErrorCode.LISTEN_FAILED, `cannot serve metrics on ${options.host}:${options.port}: ${err.code ?? err.message}`, {
          cause: err,
          details: { host: options.host, port: options.port, reason: err.code ?? 'unknown' },
        }),
      ),
    );
    server.listen(options.port, options.host, () => {
      server.on('error', (err: NodeJS.ErrnoException) => options.log.warn('metrics server error', { code: err.code, message: err.message }));
      const port = (server.address() as AddressInfo).port;
      options.log.info('agent metrics listening', { host: options.host, port, route: METRICS_PATH, auth: options.public || !options.token ? 'none' : 'token' });
      resolve({ server, port });
    });
  });
}

/** Close the server and every connection it holds. */
export function stopMetrics(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
