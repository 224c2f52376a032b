/**
 * `hash`: iterated SHA-256 chains, a CPU-bound task with a checkable answer.
 *
 * Input `{seed, rounds}`: seed a string of at most 1024 characters, rounds an
 * integer in [1, 10^9]. Partition i computes a chain of `rounds` SHA-256
 * digests: round 1 hashes the UTF-8 bytes of `seed + ':' + i`, and each later
 * round hashes the previous raw 32-byte digest. It returns the last digest in
 * hex. Merge returns the list of digests in partition order.
 */
import { createHash } from 'node:crypto';
import { badInput, defineTask } from '@cohort/shared';
import { describe, intField, splitInput } from './internal/input.js';

const NAME = 'hash';
const MAX_SEED_LENGTH = 1024;
const MAX_ROUNDS = 1_000_000_000;

export interface HashPart {
  /** `seed + ':' + i`, already joined. */
  text: string;
  rounds: number;
}

/** The hex digest of a SHA-256 chain of `rounds` over the UTF-8 text. */
export function sha256Chain(text: string, rounds: number): string {
  let digest = createHash('sha256').update(text, 'utf8').digest();
  for (let r = 1; r < rounds; r++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}

export default defineTask({
  name: NAME,
  split(input: unknown, n: number): HashPart[] {
    const obj = splitInput(NAME, input, n, '{seed: string, rounds: integer}');
    const seed = obj.seed;
    if (typeof seed !== 'string' || seed.length > MAX_SEED_LENGTH) {
      throw badInput(NAME, `seed must be a string of at most ${MAX_SEED_LENGTH} characters, got ${describe(seed)}`);
    }
    const rounds = intField(NAME, obj, 'rounds', { min: 1, max: MAX_ROUNDS });
    return Array.from({ length: n }, (_, i) => ({ text: `${seed}:${i}`, rounds }));
  },
  run(part: HashPart): string {
    return sha256Chain(part.text, part.rounds);
  },
  merge(results: string[]): string[] {
    return results;
  },
  profile: { isolation: 'auto' },
});
