/**
 * How `cohort run` shows progress. On a TTY: a bar redrawn in place on the
 * last line (progress-format.ts), with events printed as plain lines above
 * it and the bar redrawn below them; the elapsed time ticks every second.
 * Otherwise: plain lines, at most one a second. Always on stderr: stdout
 * carries results.
 */
import { printable, type JobProgress, type JobReport } from '@cohort/shared';
import { RateMeter, progressLine } from './progress-format.js';

/** How often the bar is redrawn without news (elapsed, rate and ETA move on). */
export const REDRAW_MS = 1_000;
/** Plain lines: at most one per this many ms. */
export const PLAIN_EVERY_MS = 1_000;

const CLEAR_LINE = '\r\x1b[2K';

export interface ProgressOut {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class ProgressView {
  private lastPlainAt = Number.NEGATIVE_INFINITY;
  private last: JobProgress | undefined;
  private readonly meter = new RateMeter();
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly out: ProgressOut = process.stderr,
    private readonly tty = Boolean(out.isTTY),
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** True once a progress event showed work started or done. */
  get started(): boolean {
    const p = this.last;
    return p !== undefined && (p.done > 0 || p.running > 0 || p.assigned > 0);
  }

  update(p: JobProgress): void {
    this.last = p;
    // The rate counts from the first sign of work, not from the wait for an agent.
    if (this.started) this.meter.sample(this.now(), p.done);
    if (this.tty) {
      this.draw();
      this.timer ??= setInterval(() => this.draw(), REDRAW_MS).unref();
    } else if (this.now() - this.lastPlainAt >= PLAIN_EVERY_MS) {
      this.lastPlainAt = this.now();
      this.out.write(`${plainLine(p)}\n`);
    }
  }

  /** A line above the bar. `text` is written as given: callers escape peer text in it with `printable`. */
  event(text: string): void {
    if (!this.tty) {
      this.out.write(`${text}\n`);
      return;
    }
    this.out.write(`${CLEAR_LINE}${text}\n`);
    this.drawn = false;
    if (this.last) this.draw();
  }

  /** The job's end: the bar drawn once more with its final counts (a TTY only; plain output ends with the report). */
  finish(report: JobReport): void {
    if (!this.tty || !this.last) return;
    const { jobId, status, done, partitions: total, running, assigned, attempts, requeued, duplicates, speculative } = report;
    this.last = { jobId, status, done, total, running, assigned, attempts, requeued, duplicates, speculative };
    this.draw();
  }

  /** Stop redrawing; the bar stays as last drawn, and the cursor moves below it. */
  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  private draw(): void {
    const p = this.last;
    if (!p) return;
    const now = this.now();
    const line = progressLine(p, { rate: this.meter.rate(now), elapsedMs: now - this.startedAt, columns: this.out.columns });
    this.out.write(`${CLEAR_LINE}${line}`);
    this.drawn = true;
  }
}

/** One plain line: what a log file or a pipe gets, at most once a second. */
export function plainLine(p: JobProgress): string {
  const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
  // Every field came from the coordinator: escaped, so that none can move the cursor.
  return printable(
    `${p.jobId} ${p.status} ${p.done}/${p.total} (${pct}%) running ${p.running}, queued ${p.assigned}, attempts ${p.attempts}, requeued ${p.requeued}, duplicates ${p.duplicates}`,
  );
}
