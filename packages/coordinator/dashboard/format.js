// Numbers and durations as an operator reads them.

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function int(n) {
  return INT.format(n);
}

/** 0.4/s, 12/s, 1.3k/s, 2.1M/s */
export function rate(perSecond) {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0/s';
  if (perSecond < 10) return `${perSecond.toFixed(1)}/s`;
  if (perSecond < 10_000) return `${INT.format(perSecond)}/s`;
  if (perSecond < 10_000_000) return `${(perSecond / 1000).toFixed(1)}k/s`;
  return `${(perSecond / 1_000_000).toFixed(1)}M/s`;
}

/** 850 ms, 12.3 s, 4m 05s, 2h 07m */
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  const m = Math.floor(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(m / 1440)}d ${Math.floor((m % 1440) / 60)}h`;
}

/** The age of something, "just now" under 100 ms. */
export function age(ms) {
  return ms < 100 ? 'now' : `${duration(ms)} ago`;
}

export function percent(fraction) {
  return fraction === null || fraction === undefined ? '—' : `${Math.round(fraction * 100)}%`;
}

export function bytes(n) {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n < 10 && i > 0 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

/** HH:MM:SS in local time. */
export function clock(at) {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((v) => String(v).padStart(2, '0')).join(':');
}

/** A job id shortened for a table cell; the full id goes in the title. */
export function shortId(id) {
  return id.length > 14 ? `${id.slice(0, 12)}…` : id;
}
