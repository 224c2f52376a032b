/** Small helpers for the JSON API: bodies with a size limit, JSON replies, coded errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, ErrorCode, HttpStatus, jsonReplacer, toWireError } from '@cohort/shared';

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new CohortError(ErrorCode.FRAME_TOO_LARGE, `request body over ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size === 0) return resolve({});
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(new CohortError(ErrorCode.BAD_REQUEST, 'request body is not valid JSON', { cause: err }));
      }
    });
    req.on('error', reject);
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
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error });
}
