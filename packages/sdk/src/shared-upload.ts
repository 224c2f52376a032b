/**
 * A job's shared value, uploaded before the job is submitted: its bytes are
 * named by their SHA-256 and sent once (`PUT /api/shared/:hash`, skipped
 * when the coordinator says it has them); the submission then names them as
 * `shared: {hash, kind}`. The value is a Buffer or Uint8Array (kind bytes),
 * another typed array (its element kind, its own bytes, not copied) or any
 * JSON value (kind json): `sharedBytesOf` in @cohort/shared.
 */
import { createHash } from 'node:crypto';
import { sharedBytesOf, type SharedKind } from '@cohort/shared';
import type { ApiClient } from './api-client.js';

/** What a submission names, and what was done to get it there. */
export interface ShippedShared {
  hash: string;
  kind: SharedKind;
  bytes: number;
  /** False when the coordinator had it already. */
  uploaded: boolean;
}

/** Upload bytes of `kind` unless the coordinator has them (or `uploaded` says this client sent them already). */
export async function shipSharedBytes(api: ApiClient, kind: SharedKind, data: Uint8Array, uploaded?: Set<string>): Promise<ShippedShared> {
  const hash = createHash('sha256').update(data).digest('hex');
  const known = uploaded?.has(hash) || (await api.sharedSize(hash)) === data.length;
  if (!known) await api.uploadShared(hash, data);
  uploaded?.add(hash);
  return { hash, kind, bytes: data.length, uploaded: !known };
}

/** Upload any shared value (a Buffer, a typed array, a JSON value); BAD_INPUT when it is none of them. */
export async function shipShared(api: ApiClient, value: unknown, uploaded?: Set<string>): Promise<ShippedShared> {
  const { kind, data } = sharedBytesOf(value);
  return await shipSharedBytes(api, kind, data, uploaded);
}
