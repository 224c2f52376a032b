/**
 * The pieces of `cohort run`'s progress line on a terminal, as pure
 * functions: the bar (unicode blocks, eighths of a cell), durations, the
 * smoothed rate and the ETA, and the whole line fitted to the terminal's
 * width. progress-view.ts draws what these return.
 */
import { printable, type JobProgress } from '@cohort/shared';

/** A cell filled by 0/8 … 8/8. */
const EIGHTHS = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'] as const;
/** The bar's width in cells, within the terminal's columns. */
export const BAR_MIN_CELLS = 10;
export const BAR_MAX_CELLS = 40;
/** Columns assumed when the terminal does not say. */
export const DEFAULT_COLUMNS = 80;
/** The rate is measured over the last this many ms of progress. */
export const RATE_WINDOW_MS = 5_000;

/** `fraction` (clamped to 0..1) as `cells` cells of unicode blocks, to an eighth of a cell. */
export function progressBar(fraction: number, cells: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const eighths = Math.floor(f * cells * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  return '█'.repeat(full) + (full < cells ? EIGHTHS[part] + ' '.repeat(cells - full - 1) : '');
}

/** `ms` as `m:ss`, or `h:mm:ss` from an hour; `--:--` when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A rate in partitions per second, with fewer decimals as it grows. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0/s';
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 10) return `${perSecond.toFixed(1)}/s`;
  return `${perSecond.toFixed(2)}/s`;
}

/** Time left at `rate` for `total - done` partitions; null when the rate is 0 or unknown. */
export function etaMs(done: number, total: number, perSecond: number): number | null {
  if (done >= total) return 0;
  if (!Number.isFinite(perSecond) || perSecond <= 0) return null;
  return ((total - done) / perSecond) * 1000;
}

/**
 * Partitions done per second, smoothed over a sliding window: the progress
 * over the last `windowMs` (or since the first sample, if younger), so a
 * burst of results does not make the rate jump, and a stall makes it decay.
 */
export class RateMeter {
  private readonly samples: Array<{ at: number; done: number }> = [];
  constructor(private readonly windowMs = RATE_WINDOW_MS) {}

  sample(at: number, done: number): void {
    const last = this.samples.at(-1);
    if (last && done === last.done && this.samples.length > 1) return;
    this.samples.push({ at, done });
    // Keep one sample older than the window, to measure across its start.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  /** The rate as of `now`: progress in the window divided by the window's span up to now. */
  rate(now: number): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last === first) return 0;
    const from = Math.max(first.at, now - this.windowMs);
    const base = from === first.at ? first.done : this.doneAt(from);
    const spanMs = now - from;
    return spanMs <= 0 ? 0 : ((last.done - base) * 1000) / spanMs;
  }

  /** Done at time `t`, interpolated between the samples around it. */
  private doneAt(t: number): number {
    const last = this.samples.at(-1)!;
    if (t >= last.at) return last.done; // nothing since the last sample
    for (let i = this.samples.length - 1; i > 0; i--) {
      const a = this.samples[i - 1]!;
      const b = this.samples[i]!;
      if (a.at <= t) return b.at === a.at ? b.done : a.done + ((b.done - a.done) * (t - a.at)) / (b.at - a.at);
    }
    return this.samples[0]!.done;
  }
}

export interface LineFigures {
  /** Partitions per second, smoothed. */
  rate: number;
  elapsedMs: number;
  /** The terminal's width; DEFAULT_COLUMNS when unknown. */
  columns?: number | undefined;
}

/** The text after the bar: `45% 450/1000 · 12.3/s · ETA 0:45 · 0:37 · running 4 · queued 2`. */
export function progressStats(p: JobProgress, f: LineFigures): string {
  const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
  const parts = [
    `${String(pct).padStart(3)}% ${p.done}/${p.total}`,
    formatRate(f.rate),
    `ETA ${formatDuration(etaMs(p.done, p.total, f.rate))}`,
    `elapsed ${formatDuration(f.elapsedMs)}`,
    `running ${p.running}`,
    `queued ${p.assigned}`,
  ];
  if (p.requeued > 0) parts.push(`requeued ${p.requeued}`);
  if (p.status !== 'running') parts.push(`job ${p.status}`);
  // Every field came from the coordinator: escaped, so that none can move the cursor.
  return printable(parts.join(' · '));
}

/** The whole line: bar and figures, never wider than `columns - 3` (a full line wraps on some terminals, and so does the `^C` a terminal echoes after it). */
export function progressLine(p: JobProgress, f: LineFigures): string {
  const columns = f.columns && f.columns > 0 ? f.columns : DEFAULT_COLUMNS;
  const stats = progressStats(p, f);
  const room = columns - 3 - stats.length - 3;
  const fraction = p.total === 0 ? 1 : p.done / p.total;
  const line = room >= BAR_MIN_CELLS ? `▕${progressBar(fraction, Math.min(BAR_MAX_CELLS, room))}▏ ${stats}` : stats;
  return [...line].slice(0, Math.max(1, columns - 3)).join('');
}
