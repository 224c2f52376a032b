/**
 * Work for shipped tasks (`sha256:<hash>`) on its way to the slots. An
 * assign whose bundle is ready goes to the pool at once; otherwise it is held
 * (at most `maxHeldItems` partitions) while the cache fetches the bundle,
 * then submitted in the order it came. If the fetch fails, every held item
 * fails with the fetch's code (BUNDLE_HASH_MISMATCH, BUNDLE_FETCH_FAILED, the
 * coordinator's refusal…) as a result, and the agent lives on: the
 * coordinator tries the partition again.
 */
import { ErrorCode, bundleHashOf, toWireError, type AgentMode, type AssignMessage, type Logger, type ResultItem, type WireError } from '@cohort/shared';
import { chooseMode } from '../slots/mode.js';
import { failedResult, wireError } from '../slots/work.js';
import type { BundleCache } from './bundle-cache.js';

/** Partitions held while their bundles are fetched, by default. */
export const DEFAULT_MAX_HELD_ITEMS = 65_536;

export interface BundleWorkDeps {
  cache: Pick<BundleCache, 'isReady' | 'ensure' | 'touch'>;
  /** Hand work to the slot pool. */
  submit(assignment: AssignMessage, frameBytes: number): void;
  /** Report failed results (the outbox). */
  fail(jobId: string, items: ResultItem[]): void;
  mode: AgentMode;
  logger: Logger;
  maxHeldItems?: number;
}

interface Held {
  fetch: Promise<void>;
  work: Array<{ assignment: AssignMessage; frameBytes: number }>;
}

export class BundleWork {
  private readonly held = new Map<string, Held>();
  private heldItems = 0;
  private readonly maxHeld: number;

  constructor(private readonly deps: BundleWorkDeps) {
    this.maxHeld = deps.maxHeldItems ?? DEFAULT_MAX_HELD_ITEMS;
  }

  /** Partitions held now. */
  get size(): number {
    return this.heldItems;
  }

  /** The hashes held work waits for. */
  hashes(): Iterable<string> {
    return this.held.keys();
  }

  assign(assignment: AssignMessage, frameBytes: number): void {
    const hash = bundleHashOf(assignment.task);
    if (!this.held.has(hash) && this.deps.cache.isReady(hash)) {
      void this.deps.cache.touch(hash);
      return this.deps.submit(assignment, frameBytes);
    }
    if (this.heldItems + assignment.items.length > this.maxHeld) {
      const error = wireError(ErrorCode.BUNDLE_FETCH_FAILED, `more than ${this.maxHeld} partitions are waiting for bundles on this agent`, {
        hash,
        maxHeldItems: this.maxHeld,
      });
      return this.refuse(assignment, error);
    }
    let held = this.held.get(hash);
    if (!held) {
      const fetch = this.deps.cache.ensure(hash, assignment.jobId);
      held = { fetch, work: [] };
      this.held.set(hash, held);
      fetch.then(
        () => this.settled(hash, fetch, undefined),
        (err: unknown) => this.settled(hash, fetch, err),
      );
    }
    held.work.push({ assignment, frameBytes });
    this.heldItems += assignment.items.length;
  }

  /** Drop held partitions of a cancelled job (all, or those listed). */
  cancel(jobId: string, partitions?: readonly number[]): void {
    const only = partitions ? new Set(partitions) : undefined;
    for (const held of this.held.values()) {
      const kept: Held['work'] = [];
      for (const w of held.work) {
        if (w.assignment.jobId !== jobId) {
          kept.push(w);
          continue;
        }
        const items = only ? w.assignment.items.filter((item) => !only.has(item.p)) : [];
        this.heldItems -= w.assignment.items.length - items.length;
        if (items.length > 0) kept.push({ assignment: { ...w.assignment, items }, frameBytes: w.frameBytes });
      }
      held.work = kept;
    }
  }

  /** Forget all held work without a word (a restarted coordinator issued none of it); returns the partitions dropped. */
  clear(): number {
    const dropped = this.heldItems;
    this.held.clear();
    this.heldItems = 0;
    return dropped;
  }

  /** Fail all held work with `error` (the agent drains or stops). */
  failAll(error: WireError): void {
    const all = [...this.held.values()];
    this.clear();
    for (const held of all) for (const w of held.work) this.refuse(w.assignment, error);
  }

  private settled(hash: string, fetch: Promise<void>, err: unknown): void {
    const held = this.held.get(hash);
    // Cleared (a restart) or superseded since: this fetch's work is gone.
    if (!held || held.fetch !== fetch) return;
    this.held.delete(hash);
    for (const w of held.work) this.heldItems -= w.assignment.items.length;
    if (err === undefined) {
      for (const w of held.work) this.deps.submit(w.assignment, w.frameBytes);
      return;
    }
    const error = toWireError(err, ErrorCode.BUNDLE_FETCH_FAILED);
    delete error.stack;
    const items = held.work.reduce((n, w) => n + w.assignment.items.length, 0);
    this.deps.logger.warn('held work failed: its bundle could not be had', { hash, code: error.code, partitions: items });
    for (const w of held.work) this.refuse(w.assignment, error);
  }

  private refuse(assignment: AssignMessage, error: WireError): void {
    const choice = chooseMode(this.deps.mode, assignment.isolation, false);
    const items = assignment.items.map((item) => failedResult(item, error, choice));
    if (items.length > 0) this.deps.fail(assignment.jobId, items);
  }
}
