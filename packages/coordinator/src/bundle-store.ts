/**
 * The coordinator's task bundles, by hash (a BlobStore, blob-store.ts). A
 * client uploads a bundle once (`PUT /api/bundles/:hash`); jobs name it
 * `sha256:<hash>`; the coordinator imports it for split and merge, and
 * serves it to agents in chunks. With `--state-dir` they live in
 * `<state-dir>/bundles`; a damaged file is refused (BUNDLE_HASH_MISMATCH), never run.
 */
import { BUNDLE_CHUNK_BYTES, ErrorCode, bundleFileName, type Logger } from '@cohort/shared';
import { BlobStore, type BlobChunk, type BlobKind } from './blob-store.js';

/** Where bundles live under --state-dir. */
export const BUNDLES_DIR = 'bundles';

export type BundleChunk = BlobChunk;

export const BUNDLE_BLOBS: BlobKind = {
  what: 'bundle',
  logName: 'bundle',
  subdir: BUNDLES_DIR,
  fileName: bundleFileName,
  chunkBytes: BUNDLE_CHUNK_BYTES,
  notFound: ErrorCode.BUNDLE_NOT_FOUND,
  mismatch: ErrorCode.BUNDLE_HASH_MISMATCH,
  tooLarge: ErrorCode.BUNDLE_TOO_LARGE,
  limitFlag: '--max-bundle-bytes',
};

export class BundleStore extends BlobStore {
  /** Bundles in `<stateDir>/bundles`, or in a temporary directory removed by `close()`. */
  static open(stateDir: string | undefined, log: Logger): BundleStore {
    const { dir, temporary } = BlobStore.place(BUNDLE_BLOBS, stateDir);
    return new BundleStore(BUNDLE_BLOBS, dir, temporary, log);
  }
}
