/**
 * `GET /api/dashboard/events`: every open dashboard on one timer. Each
 * connection gets a snapshot when it opens, then an update every
 * DASHBOARD_UPDATE_MS with what the rings gained since its cursor. The
 * head is built once a tick, and each update serialized once for all the
 * connections at the same cursor (all of them, but one just opened or one
 * catching up), so ten pages cost about what one does.
 *
 * What a connection can cost is bounded: at most `maxConnections` (past
 * it, 429 RATE_LIMITED); one whose buffer is over `softBytes` gets no
 * update until it drains (its cursor waits, so it then catches up); one
 * behind for `stallMs`, or over `hardBytes`, is dropped with a final
 * SLOW_CONSUMER event. The timer runs only while a connection is open.
 */
import type { ServerResponse } from 'node:http';
import { CohortError, DASHBOARD_UPDATE_MS, ErrorCode, type DashboardHead } from '@cohort/shared';
import { endSlowStream, sseFrame, startEventStream } from '../sse.js';
import { cursorKey, cursorOf, snapshotOf, updateOf, type Cursor } from './frames.js';
import { guarded, type DashboardView } from './view.js';

/** Open dashboard streams at most; past it, RATE_LIMITED. */
export const MAX_DASHBOARD_STREAMS = 32;
/** Past this many unsent bytes, a dashboard gets no update until it drains. */
export const DASHBOARD_SOFT_BYTES = 512 * 1024;
/** Past this many unsent bytes, a dashboard is dropped. */
export const DASHBOARD_HARD_BYTES = 4 * 1024 * 1024;
/** A dashboard that took no update for this long (its buffer stayed full) is dropped. */
export const DASHBOARD_STALL_MS = 10_000;

export interface DashboardStreamLimits {
  intervalMs: number;
  maxConnections: number;
  softBytes: number;
  hardBytes: number;
  stallMs: number;
}

const DEFAULT_LIMITS: DashboardStreamLimits = {
  intervalMs: DASHBOARD_UPDATE_MS,
  maxConnections: MAX_DASHBOARD_STREAMS,
  softBytes: DASHBOARD_SOFT_BYTES,
  hardBytes: DASHBOARD_HARD_BYTES,
  stallMs: DASHBOARD_STALL_MS,
};

interface Connection {
  res: ServerResponse;
  cursor: Cursor;
  /** When it last took an update. */
  fedAt: number;
}

export class DashboardStreams {
  private readonly connections = new Set<Connection>();
  private readonly limits: DashboardStreamLimits;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Dashboards dropped for not reading. */
  slowDropped = 0;

  constructor(
    private readonly view: DashboardView,
    private readonly headOf: (now: number) => DashboardHead,
    limits: Partial<DashboardStreamLimits> = {},
    /** An update that throws is a bug to log; the streams go on. */
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get size(): number {
    return this.connections.size;
  }

  /** Start a stream on `res`: the snapshot now, updates on the timer. RATE_LIMITED past the bound, SHUTTING_DOWN once closed. */
  open(res: ServerResponse): void {
    if (this.closed) throw new CohortError(ErrorCode.SHUTTING_DOWN, 'the coordinator is shutting down');
    if (this.connections.size >= this.limits.maxConnections) {
      throw new CohortError(ErrorCode.RATE_LIMITED, `${this.limits.maxConnections} dashboards are open already; close one`, {
        details: { maxConnections: this.limits.maxConnections },
      });
    }
    const now = Date.now();
    const conn: Connection = { res, cursor: cursorOf(this.view), fedAt: now };
    const snapshot = sseFrame('snapshot', snapshotOf(this.view, this.headOf(now))); // built first: should it throw, the answer is still an error
    startEventStream(res, `: cohort dashboard\n\n${snapshot}`);
    this.connections.add(conn);
    res.on('close', () => this.forget(conn));
    this.timer ??= setInterval(() => guarded(() => this.tick(), this.onError), this.limits.intervalMs);
  }

  private forget(conn: Connection): void {
    this.connections.delete(conn);
    if (this.connections.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One update for every connection: the head built once, each cursor's frame serialized once. */
  tick(now = Date.now()): void {
    if (this.connections.size === 0) return;
    const head = this.headOf(now);
    const current = cursorOf(this.view);
    const frames = new Map<string, string>();
    for (const conn of [...this.connections]) {
      const { res } = conn;
      if (res.writableLength > this.limits.hardBytes || (res.writableLength > this.limits.softBytes && now - conn.fedAt > this.limits.stallMs)) {
        this.drop(conn);
        continue;
      }
      if (res.writableLength > this.limits.softBytes) continue; // behind: its cursor waits, it catches up once it drains
      const key = cursorKey(conn.cursor);
      let frame = frames.get(key);
      if (frame === undefined) frames.set(key, (frame = sseFrame('update', updateOf(this.view, head, conn.cursor))));
      res.write(frame);
      conn.cursor = current;
      conn.fedAt = now;
    }
  }

  private drop(conn: Connection): void {
    this.forget(conn);
    this.slowDropped++;
    endSlowStream(conn.res, 'the dashboard stream fell behind; reload to continue');
  }

  /** The coordinator stops: end every stream, and take no more. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const conn of this.connections) conn.res.end();
    this.connections.clear();
  }
}
