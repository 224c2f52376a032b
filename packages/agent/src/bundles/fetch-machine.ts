/**
 * One fetch of a task bundle: the fetch machine of fetch/fetch-machine.ts
 * with the bundle codes (BUNDLE_TOO_LARGE, BUNDLE_HASH_MISMATCH,
 * BUNDLE_FETCH_FAILED) and a Buffer for its bytes. The bundle cache
 * (bundle-cache.ts) carries out its commands and writes what it verified.
 */
import { BUNDLE_CHUNK_BYTES, ErrorCode } from '@cohort/shared';
import { ChunkFetch, type FetchKind, type FetchLimits } from '../fetch/fetch-machine.js';

export type { FetchLimits, FetchState } from '../fetch/fetch-machine.js';
export type FetchCommand = import('../fetch/fetch-machine.js').FetchCommand<Buffer>;

export const BUNDLE_FETCH: FetchKind<Buffer> = {
  what: 'bundle',
  chunkBytes: BUNDLE_CHUNK_BYTES,
  tooLarge: ErrorCode.BUNDLE_TOO_LARGE,
  mismatch: ErrorCode.BUNDLE_HASH_MISMATCH,
  failed: ErrorCode.BUNDLE_FETCH_FAILED,
  alloc: (bytes) => Buffer.allocUnsafe(bytes),
};

export class BundleFetch extends ChunkFetch<Buffer> {
  constructor(hash: string, jobId: string, limits: FetchLimits) {
    super(hash, jobId, limits, BUNDLE_FETCH);
  }
}
