/**
 * The link's TLS: a wss:// coordinator is joined over a socket from
 * `tlsConnector` (shared/tls-connect.ts), verified (a pinned fingerprint, a
 * CA bundle, or the system's CAs) before the upgrade request, and so the
 * token, is written. And the refusals that end the agent rather than retry
 * (fail closed, like AUTH_FAILED): a coordinator that could not be verified
 * (TLS_FAILED), a TLS port spoken to in plain ws:// (TLS_REQUIRED), a token
 * revoked (AUTH_REVOKED, close 4010).
 */
import type { ClientRequestArgs, IncomingMessage } from 'node:http';
import { CohortError, CloseCode, ErrorCode, isErrorCode, tlsAlertError, tlsConnector } from '@cohort/shared';
import type { CompiledAgentOptions } from './options.js';

/** The most of a refused upgrade's body that is read for its error code. */
export const MAX_REFUSAL_BYTES = 4096;
/** The most to wait for that body. */
export const REFUSAL_READ_MS = 2000;

/** The `ws` options that make a wss:// link verified; none for ws://. */
export function linkSocketOptions(options: Pick<CompiledAgentOptions, 'url' | 'tls' | 'handshakeTimeoutMs'>): {
  createConnection?: ClientRequestArgs['createConnection'];
} {
  if (!options.url.startsWith('wss:')) return {};
  const connect = tlsConnector(options.tls ?? {}, options.handshakeTimeoutMs);
  return { createConnection: connect as unknown as ClientRequestArgs['createConnection'] };
}

/** A socket error that ends the agent: the coordinator could not be verified, or refused our certificate. */
export function fatalSocketError(err: unknown, connect: string): CohortError | undefined {
  if (err instanceof CohortError && err.code === ErrorCode.TLS_FAILED) return err;
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

/** An upgrade answered 400 with `{"error": {"code": "TLS_REQUIRED"}}`: this is a TLS port; undefined for any other answer. */
export async function upgradeRefusal(res: IncomingMessage, connect: string): Promise<CohortError | undefined> {
  if (res.statusCode !== 400) return undefined;
  const code = errorCodeOf(await readBody(res));
  if (code !== ErrorCode.TLS_REQUIRED) return undefined;
  return new CohortError(
    ErrorCode.TLS_REQUIRED,
    `the coordinator at ${connect} speaks TLS: connect with ${connect.replace(/^ws:/i, 'wss:')} (and --tls-fingerprint or --tls-ca)`,
  );
}

function errorCodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } })?.error?.code;
    return isErrorCode(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The start of a response body: at most MAX_REFUSAL_BYTES, within REFUSAL_READ_MS. */
function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      res.removeAllListeners('data');
      resolve(Buffer.concat(chunks).subarray(0, MAX_REFUSAL_BYTES).toString('utf8'));
    };
    const timer = setTimeout(done, REFUSAL_READ_MS);
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= MAX_REFUSAL_BYTES) done();
    });
    res.once('end', done);
    res.once('close', done);
    res.once('error', done);
  });
}
