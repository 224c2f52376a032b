/** Small statistics over samples: medians, extremes, and a summary row. */

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/** A measured quantity: every sample, its median and its range. */
export function summary(samples, unit) {
  return { unit, samples, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), n: samples.length };
}

/** Run `fn` `reps` times (sequentially) and summarise the numbers it returns. */
export async function repeat(reps, unit, fn) {
  const samples = [];
  for (let i = 0; i < reps; i++) samples.push(await fn(i));
  return summary(samples, unit);
}

export const round = (x, digits = 3) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x);

/** A human figure: 3 significant digits, thousands separated. */
export function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return String(x);
  const r = Number(x.toPrecision(digits));
  return Math.abs(r) >= 1000 ? Math.round(r).toLocaleString('en-US') : String(r);
}

export function fmtSummary(s) {
  if (!s) return '–';
  const u = s.unit === '×' ? '×' : ` ${s.unit}`;
  return s.n > 1 ? `${fmt(s.median)}${u} (${fmt(s.min)}–${fmt(s.max)})` : `${fmt(s.median)}${u}`;
}
