/** A token's SHA-256, the form tokens are compared in (constant time, and blind to the length). One copy, for bearer.ts and token-set.ts; not exported from the index. */
import { createHash } from 'node:crypto';

export function tokenDigest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
