/**
 * Task bundles: a user's task, bundled by the client into one ES module and
 * named by the SHA-256 of its bytes. The name is the identity: a job whose
 * task is `sha256:<hex>` runs exactly those bytes, on the coordinator (split
 * and merge) and in every slot (run), and an edited task is another name.
 *
 * Every hop checks the bytes against the name: the coordinator when a client
 * uploads, the agent after it fetches (BUNDLE_HASH_MISMATCH), and both when
 * they read a bundle back from their own disk.
 */
import { createHash } from 'node:crypto';

/** The task name of a shipped bundle. */
export const BUNDLE_REF = /^sha256:[0-9a-f]{64}$/;
const BUNDLE_HASH = /^[0-9a-f]{64}$/;

/** A bundle larger than this is refused before upload (the client) and at upload (the coordinator). */
export const DEFAULT_MAX_BUNDLE_BYTES = 50 * 1024 * 1024;
/** The bytes of a bundle one `bundle-part` frame carries: well under any frame limit. */
export const BUNDLE_CHUNK_BYTES = 1024 * 1024;
/** The file extension bundles are stored and imported with. */
export const BUNDLE_EXTENSION = '.mjs';

export function isBundleRef(task: unknown): boolean {
  return typeof task === 'string' && BUNDLE_REF.test(task);
}

export function isBundleHash(hash: unknown): hash is string {
  return typeof hash === 'string' && BUNDLE_HASH.test(hash);
}

/** `sha256:<hash>` */
export function bundleRef(hash: string): string {
  return `sha256:${hash}`;
}

/** The hash of a bundle ref (the caller has checked it with isBundleRef). */
export function bundleHashOf(ref: string): string {
  return ref.slice('sha256:'.length);
}

/** The file a bundle is stored in, inside a bundle directory. */
export function bundleFileName(hash: string): string {
  return `${hash}${BUNDLE_EXTENSION}`;
}

/** Lowercase hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
