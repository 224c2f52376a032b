/**
 * The jobs a chaos run submits, each with the one answer it may give. A job
 * either succeeds with exactly `expected`, or fails with a stable code: one
 * of `mayFailWith` (a fault can make any job fail with PARTITION_FAILED, when
 * agents die under a partition again and again), or `mustFailWith`.
 */
import type { Rng } from '@cohort/shared/internal';

export interface ChaosJob {
  label: string;
  task: string;
  input: unknown;
  partitions: number;
  timeoutMs?: number;
  expected?: unknown;
  /** The job must fail, with this code (a poison control). */
  mustFailWith?: string;
}

/** Codes a job may fail with under faults: never a wrong answer, never a hang. */
export const ALLOWED_FAILURES = new Set(['PARTITION_FAILED']);

/** A main job: long enough (about 1-3 s on 6 slots) for faults to land while it runs. */
export function mainJob(rng: Rng): ChaosJob {
  switch (rng.int(0, 3)) {
    case 0: {
      const partitions = rng.int(50, 200);
      const ms = rng.int(20, 60);
      return { label: 'sleep', task: 'sleep', input: { ms }, partitions, timeoutMs: 5000, expected: partitions * ms };
    }
    case 1:
      return { label: 'primes', task: 'primes', input: { from: 0, to: 10_000_000 }, partitions: rng.int(20, 60), expected: 664_579 };
    case 2: {
      const partitions = rng.int(20, 80);
      return { label: 'flaky', task: 'flaky', input: { failAttempts: 1 }, partitions, expected: partitions };
    }
    default: {
      const partitions = rng.int(2_000, 20_000);
      return { label: 'noop', task: 'noop', input: null, partitions, expected: partitions };
    }
  }
}

/** A slot crash, transient: the first attempt of some partitions exits its slot. */
export function slotCrashJob(rng: Rng): ChaosJob {
  const partitions = rng.int(4, 12);
  return {
    label: 'slot-crash',
    task: 'crash',
    input: { how: 'exit', partitions: [0, partitions - 1], attempts: 1, value: 2 },
    partitions,
    expected: partitions * 2,
  };
}

/** A poison partition: the job must fail with PARTITION_FAILED, and fail alone. */
export function poisonJob(rng: Rng): ChaosJob {
  return { label: 'poison', task: 'poison', input: { bad: [0] }, partitions: rng.int(2, 6), mustFailWith: 'PARTITION_FAILED' };
}
