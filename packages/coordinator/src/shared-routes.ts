/**
 * The shared-value routes of the client API (the client credential only,
 * like bundles):
 *
 *   PUT /api/shared/:hash   the value's raw bytes, up to `maxSharedBytes`
 *                           (1 GiB by default), streamed to disk while they
 *                           are hashed; 201 {hash, bytes, stored} (stored
 *                           false when it was already here); 413
 *                           SHARED_TOO_LARGE past the limit, 400
 *                           SHARED_HASH_MISMATCH when the bytes are not `hash`
 *   GET /api/shared/:hash   {hash, bytes} when the coordinator has it sound,
 *                           else 404 SHARED_NOT_FOUND (a client asks before it uploads)
 *
 * The request body limit (`maxBodyBytes`) does not apply: the value never
 * sits in memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, ErrorCode, isBundleHash } from '@cohort/shared';
import { sendJson } from './http-util.js';
import type { SharedStore } from './shared-store.js';

export const SHARED_ROUTE = /^\/api\/shared\/([^/]*)$/;

/**
 * Uploads written at once: past it, an upload is refused with 429
 * RATE_LIMITED (try again once one ends). Each may reach `maxSharedBytes`
 * on disk before it is refused or kept, so this bounds the disk that
 * uploads in progress take (4 GiB at the 1 GiB default).
 */
export const MAX_SHARED_UPLOADS = 4;

export interface SharedRouteContext {
  shared: SharedStore;
  maxSharedBytes: number;
}

export async function handleShared(req: IncomingMessage, res: ServerResponse, hash: string, ctx: SharedRouteContext): Promise<void> {
  if (!isBundleHash(hash)) throw new CohortError(ErrorCode.BAD_REQUEST, 'a shared value is named by its SHA-256: 64 lowercase hex digits');
  if (req.method === 'GET') return sendJson(res, 200, { hash, bytes: await ctx.shared.size(hash) });
  if (req.method !== 'PUT') throw new CohortError(ErrorCode.NOT_FOUND, `no route ${req.method} /api/shared/:hash`);
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > ctx.maxSharedBytes) {
    req.resume(); // discarded while the 413 goes out (sendError closes the connection after it)
    throw ctx.shared.tooLarge(ctx.maxSharedBytes);
  }
  if (ctx.shared.uploads >= MAX_SHARED_UPLOADS) {
    req.resume();
    throw new CohortError(ErrorCode.RATE_LIMITED, `${MAX_SHARED_UPLOADS} shared values are being uploaded already: try again once one ends`);
  }
  ctx.shared.uploads++;
  try {
    const { bytes, stored } = await ctx.shared.putStream(hash, bodyOf(req), ctx.maxSharedBytes);
    sendJson(res, 201, { hash, bytes, stored });
  } catch (err) {
    // Refused part-way (too large, or the bytes are not `hash`): what the client is still sending is read and dropped.
    if (!req.readableEnded) req.resume();
    throw err;
  } finally {
    ctx.shared.uploads--;
  }
}

/**
 * The request body, chunk by chunk, with back-pressure (the next chunk is
 * read once the last is written). Leaving early does not destroy the
 * request: the refusal must still reach the client. A body cut short fails
 * its hash, or the iterator throws.
 */
function bodyOf(req: IncomingMessage): AsyncIterable<Uint8Array> {
  return req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
}
