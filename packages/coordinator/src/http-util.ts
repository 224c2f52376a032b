/** Small helpers for the JSON API: bodies with a size limit, JSON replies, coded errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, ErrorCode, HttpStatus, jsonReplacer, toWireError } from '@cohort/shared';

function tooLarge(maxBytes: number, declared?: number): CohortError {
  const what = declared === undefined ? 'request body' : `declared request body (${declared} bytes)`;
  return new CohortError(ErrorCode.FRAME_TOO_LARGE, `${what} over ${maxBytes} bytes`, { details: { maxBytes } });
}

/**
 * Read a body of at most `maxBytes`. A larger body (declared by
 * Content-Length, or found while reading) is refused with FRAME_TOO_LARGE
 * and the rest is read and discarded (see `lingeringClose`), so that the
 * 413 answer reaches the client before the connection closes, not a reset.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    if (declared !== undefined && declared > maxBytes) {
      req.resume();
      return reject(tooLarge(maxBytes, declared));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        chunks.length = 0;
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (size <= maxBytes) resolve(Buffer.concat(chunks));
    });
    // Aborted or timed out before the end: nobody is waiting for an answer, but the promise must settle.
    req.on('close', () => reject(new CohortError(ErrorCode.BAD_REQUEST, 'request closed before its body ended')));
    req.on('error', reject);
  });
}

/** Read a JSON body of at most `maxBytes` (see readBody); an empty body is `{}`. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new CohortError(ErrorCode.BAD_REQUEST, 'request body is not valid JSON', { cause: err });
  }
}

/** How long a connection refused for its body size keeps reading (and discarding) before it is destroyed. */
export const LINGER_MS = 2000;

/**
 * Close after a refusal without losing the answer: half-close our side (the
 * client reads the response, then EOF), keep reading and discarding what the
 * client is still sending, and destroy only after LINGER_MS. Closing at once
 * with unread bytes would send a reset, and the client would lose the answer.
 */
function lingeringClose(res: ServerResponse): void {
  const socket = res.socket; // taken now: the response lets go of it when it finishes
  if (!socket) return;
  res.once('finish', () => {
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, jsonReplacer);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const wire = toWireError(err);
  const status = HttpStatus[wire.code] ?? 500;
  const error: Record<string, unknown> = { code: wire.code, message: wire.message };
  if (wire.details) error.details = wire.details;
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  // After a body too large the connection is not reused: the client may still be sending it.
  if (status === 413) lingeringClose(res);
  sendJson(res, status, { error });
}
