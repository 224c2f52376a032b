/**
 * Server-sent events for watchers of jobs (`cohort run`, the demo, drills).
 * Progress is coalesced: at most one `progress` event per job per interval,
 * whatever the rate of results. Cluster events go to every watcher.
 */
import type { ServerResponse } from 'node:http';
import { jsonReplacer } from '@cohort/shared';

export const PROGRESS_INTERVAL_MS = 100;

interface Watcher {
  res: ServerResponse;
  jobId: string | undefined;
}

export class EventStreams {
  private readonly watchers = new Set<Watcher>();
  private readonly dirty = new Map<string, () => unknown>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = PROGRESS_INTERVAL_MS) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Start a stream on `res`; `jobId` undefined watches only cluster events. */
  open(res: ServerResponse, jobId: string | undefined): Watcher {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': cohort\n\n');
    const watcher = { res, jobId };
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
    return watcher;
  }

  /** Mark a job's progress as changed; `snapshot` is called once at the next flush. */
  progress(jobId: string, snapshot: () => unknown): void {
    this.dirty.set(jobId, snapshot);
  }

  /** Send to watchers of one job now, optionally ending their streams. */
  sendJob(jobId: string, event: string, data: unknown, end = false): void {
    const frame = format(event, data);
    for (const w of this.watchers) {
      if (w.jobId !== jobId) continue;
      w.res.write(frame);
      if (end) {
        w.res.end();
        this.watchers.delete(w);
      }
    }
  }

  sendAll(event: string, data: unknown): void {
    const frame = format(event, data);
    for (const w of this.watchers) w.res.write(frame);
  }

  private flush(): void {
    if (this.dirty.size === 0) return;
    for (const [jobId, snapshot] of this.dirty) this.sendJob(jobId, 'progress', snapshot());
    this.dirty.clear();
  }

  close(): void {
    clearInterval(this.timer);
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }
}

function format(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data, jsonReplacer)}\n\n`;
}
