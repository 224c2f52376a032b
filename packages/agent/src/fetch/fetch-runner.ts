/**
 * Carries out fetch machines (fetch-machine.ts) over the link: sends their
 * requests, routes the coordinator's parts and refusals to the fetch of that
 * hash, arms each fetch's silence timer, and settles its promise with the
 * verified bytes or the error. One fetch per hash at a time. The bundle
 * cache and the shared store each run one.
 *
 * At most MAX_FETCHES fetches run at once (so at most MAX_PARTS_IN_FLIGHT
 * requests are outstanding): the coordinator expels an agent with more than
 * RATES.bundleReadsInFlight parts asked for and not yet sent, so an agent
 * given work of many jobs with distinct values at once must not ask for all
 * of them together. The others wait their turn, in order.
 */
import { RATES, type Logger, type WireError } from '@cohort/shared';
import { deferred, type Deferred } from '@cohort/shared/internal';
import type { ChunkFetch, FetchCommand, FetchPart } from './fetch-machine.js';

/** Requests for parts outstanding at once in one fetch (1 MiB each). */
export const FETCH_WINDOW = 4;
/**
 * Fetches running at once; the rest wait their turn. Half the coordinator's
 * bound: the requests of a fetch just cancelled (a release) may still be in
 * flight there while the next ones start.
 */
export const MAX_FETCHES = Math.floor(RATES.bundleReadsInFlight / FETCH_WINDOW / 2);
/** Requests outstanding at once over all fetches of one runner: within the coordinator's bound. */
export const MAX_PARTS_IN_FLIGHT = MAX_FETCHES * FETCH_WINDOW;
/** A fetch that hears nothing of its value for this long fails with the kind's fetch-failed code. */
export const FETCH_SILENCE_MS = 30_000;

export interface FetchRunnerOptions {
  /** Send a request for the part at `offset`; false when the link cannot carry it. */
  send(hash: string, jobId: string, offset: number): boolean;
  silenceMs?: number;
  /** Logs 'fetch failed' with `what`, hash, jobId and code. */
  logger: Logger;
  what: string;
}

interface Active<B extends Uint8Array> {
  machine: ChunkFetch<B>;
  result: Deferred<B>;
  timer: NodeJS.Timeout | undefined;
}

export class FetchRunner<B extends Uint8Array> {
  private readonly fetches = new Map<string, Active<B>>();
  /** Fetches not started yet (MAX_FETCHES are running), oldest first. */
  private readonly waiting = new Map<string, Active<B>>();

  constructor(private readonly options: FetchRunnerOptions) {}

  /** Hashes being fetched now. */
  hashes(): Iterable<string> {
    return [...this.fetches.keys(), ...this.waiting.keys()];
  }

  has(hash: string): boolean {
    return this.fetches.has(hash) || this.waiting.has(hash);
  }

  /** Start `machine` (or queue it behind MAX_FETCHES running ones); resolves with its verified bytes, or rejects with its error. */
  run(machine: ChunkFetch<B>): Promise<B> {
    const active: Active<B> = { machine, result: deferred<B>(), timer: undefined };
    if (this.fetches.size >= MAX_FETCHES) this.waiting.set(machine.hash, active);
    else this.begin(active);
    return active.result.promise;
  }

  private begin(active: Active<B>): void {
    const { machine } = active;
    this.fetches.set(machine.hash, active);
    this.options.logger.debug('fetch started', { what: this.options.what, hash: machine.hash, jobId: machine.jobId });
    this.execute(active, machine.start());
  }

  /** A fetch ended: start the oldest waiting one. */
  private startNext(): void {
    for (const [hash, active] of this.waiting) {
      if (this.fetches.size >= MAX_FETCHES) return;
      this.waiting.delete(hash);
      this.begin(active);
    }
  }

  /** A fetch that never started fails with the kind's fetch-failed code. */
  private dropWaiting(active: Active<B>, why: string): void {
    this.waiting.delete(active.machine.hash);
    active.machine.start();
    this.execute(active, active.machine.lost(why));
  }

  /** A part or a refusal from the coordinator; ignored when no fetch of that hash is in flight. */
  receive(msg: (FetchPart & { type: string }) | { type: string; hash: string; error: WireError }): void {
    const active = this.fetches.get(msg.hash);
    if (!active) {
      this.options.logger.debug('part for no fetch in flight', { what: this.options.what, type: msg.type, hash: msg.hash });
      return;
    }
    this.execute(active, 'error' in msg ? active.machine.refused(msg) : active.machine.part(msg));
  }

  /** Fail the fetch of `hash`, if any (nobody wants it any more). */
  cancel(hash: string, why: string): void {
    const waiting = this.waiting.get(hash);
    if (waiting) return this.dropWaiting(waiting, why);
    const active = this.fetches.get(hash);
    if (active) this.execute(active, active.machine.lost(why));
  }

  /** Fail every fetch in flight (the link went down, the coordinator restarted, the agent stops). */
  abortAll(why: string): void {
    for (const active of [...this.waiting.values()]) this.dropWaiting(active, why);
    for (const active of [...this.fetches.values()]) this.execute(active, active.machine.lost(why));
  }

  private execute(active: Active<B>, commands: readonly FetchCommand<B>[]): void {
    const { machine } = active;
    for (const command of commands) {
      switch (command.kind) {
        case 'get':
          if (!this.options.send(machine.hash, machine.jobId, command.offset)) {
            return this.execute(active, machine.lost('the link to the coordinator is down'));
          }
          break;
        case 'done':
          this.end(active);
          active.result.resolve(command.bytes);
          return;
        case 'fail':
          this.end(active);
          this.options.logger.warn('fetch failed', {
            what: this.options.what,
            hash: machine.hash,
            jobId: machine.jobId,
            code: command.error.code,
            message: command.error.message,
          });
          active.result.reject(command.error);
          return;
      }
    }
    if (machine.state === 'fetching') this.arm(active);
  }

  private arm(active: Active<B>): void {
    clearTimeout(active.timer);
    const silenceMs = this.options.silenceMs ?? FETCH_SILENCE_MS;
    active.timer = setTimeout(() => this.execute(active, active.machine.timeout(silenceMs)), silenceMs);
  }

  private end(active: Active<B>): void {
    clearTimeout(active.timer);
    if (this.fetches.get(active.machine.hash) === active) this.fetches.delete(active.machine.hash);
    if (this.waiting.get(active.machine.hash) === active) this.waiting.delete(active.machine.hash);
    this.startNext();
  }
}
