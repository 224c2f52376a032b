/**
 * The link's TLS: a wss:// coordinator is joined over a socket from
 * `tlsConnector` (shared/internal/tls-connect.ts), verified (a pinned fingerprint, a
 * CA bundle, or the system's CAs) before the upgrade request, and so the
 * token, is written. And the refusals that end the agent rather than retry
 * (fail closed): a coordinator that could not be verified, or that refused
 * our client certificate (TLS_FAILED), a TLS port spoken to in plain ws://
 * (TLS_REQUIRED), a token refused (AUTH_FAILED) or revoked (AUTH_REVOKED,
 * close 4010), TLS options that cannot be used at all (INVALID_OPTION).
 */
import type { ClientRequestArgs, IncomingMessage } from 'node:http';
import { CohortError, CloseCode, ErrorCode, isErrorCode, parseCoordinatorUrl } from '@cohort/shared';
import { tlsAlertError, tlsConnector } from '@cohort/shared/internal';
import { DEFAULT_MAX_REFUSAL_BYTES, DEFAULT_REFUSAL_READ_MS, type CompiledAgentOptions } from './options.js';

/** The `ws` options that make a wss:// link verified; none for ws://. */
export function linkSocketOptions(options: Pick<CompiledAgentOptions, 'url' | 'tls' | 'tlsConnectTimeoutMs'>): {
  createConnection?: ClientRequestArgs['createConnection'];
} {
  if (!parseCoordinatorUrl(options.url).secure) return {};
  const connect = tlsConnector(options.tls ?? {}, options.tlsConnectTimeoutMs);
  return { createConnection: connect as unknown as ClientRequestArgs['createConnection'] };
}

/** The socket errors that end the agent: TLS_FAILED (not verified, or our certificate refused), INVALID_OPTION (TLS options that cannot be used). */
const FATAL_SOCKET_CODES: ReadonlySet<string> = new Set([ErrorCode.TLS_FAILED, ErrorCode.INVALID_OPTION]);

/** A socket error that ends the agent: the coordinator could not be verified, refused our certificate, or our TLS options cannot be used. */
export function fatalSocketError(err: unknown, connect: string): CohortError | undefined {
  if (err instanceof CohortError && FATAL_SOCKET_CODES.has(err.code)) return err;
  return tlsAlertError(err, connect);
}

/** A close that ends the agent (besides those link.ts handles itself). */
export function fatalClose(code: number, reason: string, connect: string): CohortError | undefined {
  if (code === CloseCode.AUTH_REVOKED) {
    return new CohortError(
      ErrorCode.AUTH_REVOKED,
      `the coordinator at ${connect} revoked this agent's token${reason && reason !== ErrorCode.AUTH_REVOKED ? ` (${reason})` : ''}: reconnecting with it cannot succeed; start the agent with a token the coordinator accepts`,
    );
  }
  return undefined;
}

/**
 * An upgrade refused for good, read from the answer's coded body (`{"error": {"code": …}}`): 401 is TLS_FAILED
 * (mutual TLS: our certificate missing or refused) when the body says so, else AUTH_FAILED; 400 TLS_REQUIRED is a TLS
 * port spoken to in plain ws://. Undefined for any other answer (retried).
 */
export async function upgradeRefusal(res: IncomingMessage, connect: string): Promise<CohortError | undefined> {
  if (res.statusCode !== 400 && res.statusCode !== 401) return undefined;
  const code = errorCodeOf(await readBody(res));
  if (res.statusCode === 401) {
    if (code !== ErrorCode.TLS_FAILED) return new CohortError(ErrorCode.AUTH_FAILED, `coordinator at ${connect} refused the token (HTTP 401)`);
    return new CohortError(
      ErrorCode.TLS_FAILED,
      `the coordinator at ${connect} requires a TLS client certificate it trusts (HTTP 401 TLS_FAILED): pass --tls-cert and --tls-key, a certificate signed by its --tls-client-ca`,
    );
  }
  if (code !== ErrorCode.TLS_REQUIRED) return undefined;
  const target = parseCoordinatorUrl(connect);
  return new CohortError(
    ErrorCode.TLS_REQUIRED,
    `the coordinator at ${connect} speaks TLS: connect with wss://${target.host}${target.pathname === '/' ? '' : target.pathname} (and --tls-fingerprint or --tls-ca)`,
  );
}

/** The code of a coded error body (`{"error": {"code": …}}`), if it is one of ours. */
function errorCodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } })?.error?.code;
    return isErrorCode(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The start of a response body: at most DEFAULT_MAX_REFUSAL_BYTES, within DEFAULT_REFUSAL_READ_MS. */
function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      res.removeAllListeners('data');
      resolve(Buffer.concat(chunks).subarray(0, DEFAULT_MAX_REFUSAL_BYTES).toString('utf8'));
    };
    const timer = setTimeout(done, DEFAULT_REFUSAL_READ_MS);
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= DEFAULT_MAX_REFUSAL_BYTES) done();
    });
    res.once('end', done);
    res.once('close', done);
    res.once('error', done);
  });
}
