/**
 * The `shared` field of `POST /api/jobs`: `{hash, kind}`, naming a value
 * uploaded first (`PUT /api/shared/:hash`). The coordinator fills in its
 * size from its own store, so a job can only name a value that is here and
 * sound, and whose size fits its kind. BAD_REQUEST names the field.
 */
import {
  CohortError,
  ErrorCode,
  SHARED_KINDS,
  describe,
  isBundleHash,
  isSharedKind,
  sharedElementBytes,
  type SharedKind,
  type SharedRef,
} from '@cohort/shared';
import type { SharedStore } from './shared-store.js';

/** What a submission asks for; `bytes` comes from the store. */
export interface SharedRequest {
  hash: string;
  kind: SharedKind;
}

function badField(field: string, message: string): CohortError {
  return new CohortError(ErrorCode.BAD_REQUEST, message, { details: { field } });
}

/** The `shared` field of a job request, checked; undefined when absent. */
export function parseSharedRequest(v: unknown): SharedRequest | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badField('shared', `shared must be {hash, kind}, got ${describe(v)}`);
  const { hash, kind } = v as Record<string, unknown>;
  if (!isBundleHash(hash)) throw badField('shared.hash', `shared.hash must be the SHA-256 of the value: 64 lowercase hex digits, got ${describe(hash)}`);
  if (!isSharedKind(kind)) throw badField('shared.kind', `shared.kind must be one of ${SHARED_KINDS.join(', ')}, got ${describe(kind)}`);
  return { hash, kind };
}

/**
 * The job's SharedRef: the size of the stored value (SHARED_NOT_FOUND when
 * it was not uploaded, SHARED_HASH_MISMATCH when its file is damaged),
 * which must be a whole number of elements of its kind.
 */
export async function resolveShared(request: SharedRequest, store: SharedStore | undefined): Promise<SharedRef> {
  if (!store) throw new CohortError(ErrorCode.SHARED_NOT_FOUND, 'this coordinator takes no shared values');
  const bytes = await store.size(request.hash);
  const element = sharedElementBytes(request.kind);
  if (bytes % element !== 0) {
    throw badField('shared.kind', `a shared ${request.kind} value must be a multiple of ${element} bytes; ${request.hash} is ${bytes}`);
  }
  return { hash: request.hash, bytes, kind: request.kind };
}
