/**
 * The bundle routes of the client API (the client credential only: an
 * upload is code that every agent will run):
 *
 *   PUT /api/bundles/:hash   the bundle's bytes; 201 {hash, bytes, stored}
 *                            (stored false when it was already here)
 *   GET /api/bundles/:hash   {hash, bytes} when the coordinator has it, else
 *                            404 BUNDLE_NOT_FOUND (a client asks before it uploads)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CohortError, ErrorCode, isBundleHash } from '@cohort/shared';
import type { BundleStore } from './bundle-store.js';
import { readBody, sendJson } from './http-util.js';

export const BUNDLE_ROUTE = /^\/api\/bundles\/([^/]*)$/;

export interface BundleRouteContext {
  bundles: BundleStore;
  maxBundleBytes: number;
}

export async function handleBundle(req: IncomingMessage, res: ServerResponse, hash: string, ctx: BundleRouteContext): Promise<void> {
  if (!isBundleHash(hash)) throw new CohortError(ErrorCode.BAD_REQUEST, 'a bundle is named by its SHA-256: 64 lowercase hex digits');
  if (req.method === 'GET') return sendJson(res, 200, { hash, bytes: await ctx.bundles.size(hash) });
  if (req.method !== 'PUT') throw new CohortError(ErrorCode.NOT_FOUND, `no route ${req.method} /api/bundles/:hash`);
  const body = await readBody(req, ctx.maxBundleBytes).catch((err: CohortError) => {
    if (err.code !== ErrorCode.FRAME_TOO_LARGE) throw err;
    throw new CohortError(ErrorCode.BUNDLE_TOO_LARGE, `a bundle may be at most ${ctx.maxBundleBytes} bytes here (--max-bundle-bytes)`, {
      details: { maxBytes: ctx.maxBundleBytes },
    });
  });
  const stored = await ctx.bundles.put(hash, body);
  sendJson(res, 201, { hash, bytes: body.length, stored });
}
