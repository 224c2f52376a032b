/**
 * Jobs' shared values, by hash (a BlobStore, blob-store.ts): a client
 * uploads one (`PUT /api/shared/:hash`, streamed to disk while it is
 * hashed), a job names it in `shared: {hash, kind}`, and the coordinator
 * serves it to agents in SHARED_CHUNK_BYTES parts read from disk. With
 * `--state-dir` they live in `<state-dir>/shared`, so a restarted
 * coordinator still serves the value of a journaled job; a damaged file is
 * refused (SHARED_HASH_MISMATCH), never served.
 */
import { ErrorCode, SHARED_CHUNK_BYTES, type Logger } from '@cohort/shared';
import { BlobStore, type BlobKind } from './blob-store.js';

/** Where shared values live under --state-dir. */
export const SHARED_DIR = 'shared';

export const SHARED_BLOBS: BlobKind = {
  what: 'shared value',
  logName: 'shared value',
  subdir: SHARED_DIR,
  fileName: (hash) => `${hash}.bin`,
  chunkBytes: SHARED_CHUNK_BYTES,
  notFound: ErrorCode.SHARED_NOT_FOUND,
  mismatch: ErrorCode.SHARED_HASH_MISMATCH,
  tooLarge: ErrorCode.SHARED_TOO_LARGE,
  limitFlag: '--max-shared-bytes',
};

export class SharedStore extends BlobStore {
  /** Uploads being written now (`PUT /api/shared/:hash`, bounded by MAX_SHARED_UPLOADS in shared-routes.ts). */
  uploads = 0;

  /** Shared values in `<stateDir>/shared`, or in a temporary directory removed by `close()`. */
  static open(stateDir: string | undefined, log: Logger): SharedStore {
    const { dir, temporary } = BlobStore.place(SHARED_BLOBS, stateDir);
    return new SharedStore(SHARED_BLOBS, dir, temporary, log);
  }
}
