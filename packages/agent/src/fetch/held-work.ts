/**
 * Work held at a gate until what it needs is on this agent (a task bundle,
 * a job's shared value). An assign that needs nothing, or whose need is met
 * now, goes on at once (`next`); otherwise it is held (at most
 * `maxHeldItems` partitions) until the need settles, then goes on in the
 * order it came. If the need fails, every held item of it fails with that
 * code as a result, and the agent lives on: the coordinator tries the
 * partition again. Gates chain: the bundle gate's `next` is the shared
 * gate, whose `next` is the slot pool.
 */
import { type ErrorCode, toWireError, type AgentMode, type AssignMessage, type Logger, type ResultItem, type WireError } from '@cohort/shared';
import { chooseMode } from '../slots/mode.js';
import { failedResult, wireError } from '../slots/work.js';

/** Partitions held at one gate while what they need is fetched, by default. */
export const DEFAULT_MAX_HELD_ITEMS = 65_536;

export interface HeldWorkDeps {
  /** What an assign waits for (a hash), or undefined when it needs nothing here. */
  keyOf(assignment: AssignMessage): string | undefined;
  /** Undefined when work for `key` may go on now; else a promise that settles when it may, or rejects with why not. */
  want(key: string, assignment: AssignMessage): Promise<void> | undefined;
  /**
   * Ask `want` for every assign, also while work for its key is held (the
   * shared gate: each job records its reference, and a fetch cancelled by a
   * release is replaced by a new one, which the held work then waits for).
   */
  askAlways?: boolean;
  /** The code of a failure that carries none, and of too much held work. */
  code: ErrorCode;
  /** What is waited for, in messages: 'bundles', 'shared values'. */
  what: string;
  /** Hand work on (the next gate, or the slot pool). */
  next(assignment: AssignMessage, frameBytes: number): void;
  /** Report failed results (the outbox). */
  fail(jobId: string, items: ResultItem[]): void;
  mode: AgentMode;
  logger: Logger;
  maxHeldItems?: number;
}

interface Held {
  need: Promise<void>;
  work: Array<{ assignment: AssignMessage; frameBytes: number }>;
}

export class HeldWork {
  private readonly held = new Map<string, Held>();
  private heldItems = 0;
  private readonly maxHeld: number;

  constructor(private readonly deps: HeldWorkDeps) {
    this.maxHeld = deps.maxHeldItems ?? DEFAULT_MAX_HELD_ITEMS;
  }

  /** Partitions held now. */
  get size(): number {
    return this.heldItems;
  }

  /** The keys held work waits for. */
  hashes(): Iterable<string> {
    return this.held.keys();
  }

  assign(assignment: AssignMessage, frameBytes: number): void {
    const key = this.deps.keyOf(assignment);
    if (key === undefined) return this.deps.next(assignment, frameBytes);
    let held = this.held.get(key);
    // Work already held for this key keeps its place in front of this.
    const need = held && !this.deps.askAlways ? held.need : this.deps.want(key, assignment);
    if (!held && need === undefined) return this.deps.next(assignment, frameBytes);
    if (this.heldItems + assignment.items.length > this.maxHeld) {
      const error = wireError(this.deps.code, `more than ${this.maxHeld} partitions are waiting for ${this.deps.what} on this agent`, {
        hash: key,
        maxHeldItems: this.maxHeld,
      });
      return this.refuse(assignment, error);
    }
    if (!held || (need !== undefined && need !== held.need)) held = this.hold(key, need ?? Promise.resolve(), held);
    held.work.push({ assignment, frameBytes });
    this.heldItems += assignment.items.length;
  }

  /** Drop held partitions of a cancelled or ended job (all, or those listed). */
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

  /** Hold work for `key` until `need` settles; work held for an older need of the key (now superseded) moves over, in order. */
  private hold(key: string, need: Promise<void>, previous: Held | undefined): Held {
    const held: Held = { need, work: previous?.work ?? [] };
    this.held.set(key, held);
    need.then(
      () => this.settled(key, need, undefined),
      (err: unknown) => this.settled(key, need, err),
    );
    return held;
  }

  private settled(key: string, need: Promise<void>, err: unknown): void {
    const held = this.held.get(key);
    // Cleared (a restart) or superseded since: this need's work is gone.
    if (!held || held.need !== need) return;
    this.held.delete(key);
    for (const w of held.work) this.heldItems -= w.assignment.items.length;
    if (err === undefined) {
      for (const w of held.work) this.deps.next(w.assignment, w.frameBytes);
      return;
    }
    const error = toWireError(err, this.deps.code);
    delete error.stack;
    const items = held.work.reduce((n, w) => n + w.assignment.items.length, 0);
    if (items > 0)
      this.deps.logger.warn('held work failed: what it waited for could not be had', { what: this.deps.what, hash: key, code: error.code, partitions: items });
    for (const w of held.work) this.refuse(w.assignment, error);
  }

  private refuse(assignment: AssignMessage, error: WireError): void {
    const choice = chooseMode(this.deps.mode, assignment.isolation, false, assignment.sharedInput === true);
    const items = assignment.items.map((item) => failedResult(item, error, choice));
    if (items.length > 0) this.deps.fail(assignment.jobId, items);
  }
}
