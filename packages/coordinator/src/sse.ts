/**
 * Server-sent events for watchers of jobs (`cohort run`, the demo, drills).
 *
 * What one watcher can cost is bounded, however slowly it reads:
 * - progress is coalesced: at most one `progress` event per job per
 *   interval, and a watcher whose buffer is over `softBytes` gets none until
 *   it drains, then only the latest;
 * - a watcher whose buffer passes `hardBytes` gets a final `error` event
 *   with code SLOW_CONSUMER and is closed (destroyed if it never drains);
 * - cluster events go to every watcher, but at most `clusterBudget` of them
 *   per interval; the rest wait, coalesced by what they are about (a flood
 *   of one agent's escalations of one task is one event), in a bounded map.
 */
import type { ServerResponse } from 'node:http';
import { ErrorCode, jsonReplacer } from '@cohort/shared';

export const PROGRESS_INTERVAL_MS = 100;
/** Past this many unsent bytes, a watcher gets no progress until it drains (then only the latest). */
export const SSE_SOFT_BYTES = 64 * 1024;
/** Past this many unsent bytes, a watcher is dropped with SLOW_CONSUMER. */
export const SSE_HARD_BYTES = 1024 * 1024;
/** Cluster events broadcast per interval; more wait for the next one, coalesced. */
export const CLUSTER_EVENTS_PER_INTERVAL = 64;
/** Distinct cluster events that may wait; past this, new ones are dropped and counted. */
export const MAX_PENDING_CLUSTER_EVENTS = 1024;
/** How long a dropped watcher has to take its final event before its socket is destroyed. */
export const SLOW_CONSUMER_GRACE_MS = 2000;
/** Result events written to one watcher per turn of the event loop; the rest follow on the next. */
export const RESULTS_PER_PUMP = 1024;
/** After its job ended, a result stream that takes none of its remaining results for this long is dropped (SLOW_CONSUMER). */
export const RESULTS_LINGER_MS = 60_000;

/**
 * Where a result stream reads its job's accepted results: the data of the
 * `i`-th accepted result, or undefined past the last one accepted so far.
 */
export type ResultSource = (i: number) => unknown;

/**
 * A watcher's place in its job's results. Results are never dropped for a
 * slow reader: they are written only while its buffer is under the soft
 * bound, and the rest wait in the job (not in the buffer) until it drains.
 */
interface ResultCursor {
  source: ResultSource;
  next: number;
  /** The job's final event, written once every result before it is. */
  end?: string;
}

export interface EventStreamLimits {
  intervalMs: number;
  softBytes: number;
  hardBytes: number;
  clusterBudget: number;
  maxPendingCluster: number;
}

const DEFAULT_LIMITS: EventStreamLimits = {
  intervalMs: PROGRESS_INTERVAL_MS,
  softBytes: SSE_SOFT_BYTES,
  hardBytes: SSE_HARD_BYTES,
  clusterBudget: CLUSTER_EVENTS_PER_INTERVAL,
  maxPendingCluster: MAX_PENDING_CLUSTER_EVENTS,
};

interface Watcher {
  res: ServerResponse;
  jobId: string | undefined;
  /** The latest progress held back while the watcher was behind. */
  heldProgress: (() => unknown) | undefined;
  dropped: boolean;
  results?: ResultCursor;
}

export class EventStreams {
  private readonly watchers = new Set<Watcher>();
  private readonly dirty = new Map<string, () => unknown>();
  private readonly timer: NodeJS.Timeout;
  private readonly limits: EventStreamLimits;
  private clusterSent = 0;
  private readonly clusterPending = new Map<string, unknown>();
  /** Open streams that carry results (a closed one counts until its response closes). */
  private resultStreams = 0;
  /** Jobs with results their streams have not taken yet. */
  private readonly pumping = new Set<string>();
  /** Cluster events dropped because too many distinct ones were waiting. */
  clusterDropped = 0;
  /** Watchers dropped with SLOW_CONSUMER. */
  slowDropped = 0;

  constructor(limits: Partial<EventStreamLimits> | number = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...(typeof limits === 'number' ? { intervalMs: limits } : limits) };
    this.timer = setInterval(() => this.flush(), this.limits.intervalMs);
    this.timer.unref();
  }

  /** Start a stream on `res`; `jobId` undefined watches only cluster events. With `results`, it also carries the job's results. */
  open(res: ServerResponse, jobId: string | undefined, results?: ResultSource): Watcher {
    startEventStream(res, ': cohort\n\n');
    const watcher: Watcher = { res, jobId, heldProgress: undefined, dropped: false, ...(results && { results: { source: results, next: 0 } }) };
    this.watchers.add(watcher);
    if (results) this.resultStreams++;
    res.on('close', () => {
      this.watchers.delete(watcher);
      if (results) this.resultStreams--;
    });
    res.on('drain', () => this.drained(watcher));
    if (results && jobId !== undefined) this.resultsReady(jobId); // replay what was accepted before the stream opened
    return watcher;
  }

  /** New results were accepted for `jobId`: its result streams take them on the next turn. */
  resultsReady(jobId: string): void {
    if (this.resultStreams === 0) return; // the usual case, on the hot path of every accepted result
    if (this.pumping.size === 0) setImmediate(() => this.pumpDirty());
    this.pumping.add(jobId);
  }

  private pumpDirty(): void {
    const jobs = new Set(this.pumping);
    this.pumping.clear();
    for (const w of this.watchers) if (w.results && w.jobId !== undefined && jobs.has(w.jobId)) this.pump(w);
  }

  /** Write the watcher's next results while its buffer allows; end the stream once the results before its end are out. */
  private pump(w: Watcher): void {
    const r = w.results;
    if (!r || w.dropped || !this.writeResults(w, r)) return;
    if (r.end !== undefined && r.source(r.next) === undefined) {
      w.res.end(r.end);
      this.watchers.delete(w);
    }
  }

  /**
   * Results from the watcher's cursor, in one write to the socket (corked,
   * then uncorked before anything can end the response). False when it must
   * wait: for 'drain' (or the next flush), or for the next turn after a full batch.
   */
  private writeResults(w: Watcher, r: ResultCursor): boolean {
    let written = 0;
    let data: unknown;
    let more = true;
    w.res.cork();
    try {
      while (w.res.writableLength <= this.limits.softBytes && (data = r.source(r.next)) !== undefined) {
        r.next++;
        if (!w.res.write(sseFrame('result', data))) return (more = false);
        if (++written >= RESULTS_PER_PUMP) {
          if (w.jobId !== undefined) this.resultsReady(w.jobId);
          return (more = false);
        }
      }
      return more && w.res.writableLength <= this.limits.softBytes;
    } finally {
      w.res.uncork();
    }
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Mark a job's progress as changed; `snapshot` is called once at the next flush. */
  progress(jobId: string, snapshot: () => unknown): void {
    this.dirty.set(jobId, snapshot);
  }

  /** Send to watchers of one job now, optionally ending their streams (a result stream ends once its results are out). */
  sendJob(jobId: string, event: string, data: unknown, end = false): void {
    const frame = sseFrame(event, data);
    for (const w of this.watchers) {
      if (w.jobId !== jobId) continue;
      if (!end) {
        this.write(w, frame);
        continue;
      }
      if (w.results) {
        w.results.end = frame;
        this.pump(w);
        this.lingerWhileReading(w, w.results);
        continue;
      }
      // A final event is written whatever the buffer: it is one, and the stream ends with it.
      w.res.end(frame);
      this.watchers.delete(w);
    }
  }

  /** A cluster event for every watcher: now if this interval's budget allows, else coalesced into the next. */
  sendAll(event: string, data: unknown): void {
    if (this.clusterSent < this.limits.clusterBudget && this.clusterPending.size === 0) {
      this.clusterSent++;
      this.broadcast(sseFrame(event, data));
      return;
    }
    const key = `${event}\u0000${coalesceKey(data)}`;
    if (!this.clusterPending.has(key) && this.clusterPending.size >= this.limits.maxPendingCluster) {
      this.clusterDropped++;
      return;
    }
    this.clusterPending.delete(key); // re-inserted last: the latest of a kind keeps its place in line after others
    this.clusterPending.set(key, data);
  }

  private broadcast(frame: string): void {
    for (const w of this.watchers) this.write(w, frame);
  }

  /** Write `frame`, or drop the watcher once it is past the hard bound. */
  private write(w: Watcher, frame: string): void {
    if (w.dropped) return;
    // A result stream is paced by its reader (one large result may pass the hard bound): it misses other events while behind, never results.
    if (w.results && w.res.writableLength > this.limits.softBytes) return;
    w.res.write(frame);
    if (w.res.writableLength > this.limits.hardBytes) this.drop(w);
  }

  private sendProgress(w: Watcher, snapshot: () => unknown): void {
    if (w.dropped) return;
    if (w.res.writableLength > this.limits.softBytes) {
      w.heldProgress = snapshot;
      return;
    }
    w.heldProgress = undefined;
    this.write(w, sseFrame('progress', snapshot()));
  }

  /** After its job ended, a result stream stays while it reads; one that took nothing for RESULTS_LINGER_MS is dropped. */
  private lingerWhileReading(w: Watcher, r: ResultCursor, lastNext = -1): void {
    if (!this.watchers.has(w)) return;
    if (r.next === lastNext) return this.drop(w);
    setTimeout(() => this.lingerWhileReading(w, r, r.next), RESULTS_LINGER_MS).unref();
  }

  private drained(w: Watcher): void {
    const held = w.heldProgress;
    if (held) this.sendProgress(w, held);
    this.pump(w);
  }

  private drop(w: Watcher): void {
    w.dropped = true;
    w.heldProgress = undefined;
    this.watchers.delete(w);
    this.slowDropped++;
    endSlowStream(w.res, `the event stream fell more than ${this.limits.hardBytes} bytes behind; re-attach to continue`);
  }

  private flush(): void {
    this.clusterSent = 0;
    for (const w of this.watchers) if (w.results) this.pump(w);
    for (const [key, data] of this.clusterPending) {
      if (this.clusterSent >= this.limits.clusterBudget) break;
      this.clusterPending.delete(key);
      this.clusterSent++;
      this.broadcast(sseFrame(key.slice(0, key.indexOf('\u0000')), data));
    }
    if (this.dirty.size === 0) return;
    for (const [jobId, snapshot] of this.dirty) {
      for (const w of this.watchers) if (w.jobId === jobId) this.sendProgress(w, snapshot);
    }
    this.dirty.clear();
  }

  close(): void {
    clearInterval(this.timer);
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }
}

/** What a cluster event is about: repeats of the same thing coalesce into the latest. */
function coalesceKey(data: unknown): string {
  if (typeof data !== 'object' || data === null) return String(data);
  const d = data as Record<string, unknown>;
  return [d.kind, d.agentId, d.task, d.jobId, d.partition].map((v) => (v === undefined ? '' : String(v))).join('\u0000');
}

/** One server-sent event: its name and its data as JSON. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data, jsonReplacer)}\n\n`;
}

/** Answer `res` as an event stream; `first` is written with the head (a comment, then any first events). */
export function startEventStream(res: ServerResponse, first: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(first);
}

/** End a stream that fell too far behind: a last `error` event (SLOW_CONSUMER), then the socket after a grace period. */
export function endSlowStream(res: ServerResponse, message: string): void {
  res.end(sseFrame('error', { code: ErrorCode.SLOW_CONSUMER, message }));
  setTimeout(() => res.destroy(), SLOW_CONSUMER_GRACE_MS).unref();
}
