/**
 * Work for shipped tasks (`sha256:<hash>`) on its way to the slots: the
 * gate of fetch/held-work.ts, waiting on the bundle cache. An assign whose
 * bundle is ready goes on at once; otherwise it is held while the cache
 * fetches the bundle, and fails with the fetch's code (BUNDLE_HASH_MISMATCH,
 * BUNDLE_FETCH_FAILED, the coordinator's refusal…) if it cannot be had.
 * Work for a task that is not shipped passes through.
 */
import { ErrorCode, bundleHashOf, isBundleRef, type AgentMode, type AssignMessage, type Logger, type ResultItem } from '@cohort/shared';
import { HeldWork } from '../fetch/held-work.js';
import type { BundleCache } from './bundle-cache.js';

export { DEFAULT_MAX_HELD_ITEMS } from '../fetch/held-work.js';

export interface BundleWorkDeps {
  cache: Pick<BundleCache, 'isReady' | 'ensure' | 'touch'>;
  /** Hand work on (the shared gate, or the slot pool). */
  submit(assignment: AssignMessage, frameBytes: number): void;
  /** Report failed results (the outbox). */
  fail(jobId: string, items: ResultItem[]): void;
  mode: AgentMode;
  logger: Logger;
  maxHeldItems?: number;
}

export class BundleWork extends HeldWork {
  constructor(deps: BundleWorkDeps) {
    const { cache } = deps;
    super({
      keyOf: (a) => (isBundleRef(a.task) ? bundleHashOf(a.task) : undefined),
      want: (hash, a) => {
        if (!cache.isReady(hash)) return cache.ensure(hash, a.jobId);
        void cache.touch(hash);
        return undefined;
      },
      code: ErrorCode.BUNDLE_FETCH_FAILED,
      what: 'bundles',
      next: deps.submit,
      fail: deps.fail,
      mode: deps.mode,
      logger: deps.logger,
      ...(deps.maxHeldItems !== undefined && { maxHeldItems: deps.maxHeldItems }),
    });
  }
}
