/**
 * Human tables for the CLI verbs: aligned columns, a header row, every cell
 * escaped with `printable` (names, tasks and errors come from peers).
 */
import { printable } from '@cohort/shared';

export interface Column<T> {
  header: string;
  cell(row: T): unknown;
  /** Right-aligned (numbers); default left. */
  right?: boolean;
}

/** Display width of `s`: its code points (the escaped cells hold no wide or combining characters a peer could use to misalign more than its own row). */
function width(s: string): number {
  return [...s].length;
}

/** The rows as aligned text, one line each after the header, ending with a newline; `(none)` for no rows. */
export function formatTable<T>(columns: ReadonlyArray<Column<T>>, rows: readonly T[], empty = '(none)'): string {
  if (rows.length === 0) return `${empty}\n`;
  const cells = rows.map((row) => columns.map((c) => printable(c.cell(row) ?? '-')));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i]!))));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - width(s));
    return columns[i]!.right ? fill + s : s + fill;
  };
  const line = (r: string[]) => r.map(pad).join('  ').trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`;
}

/** A 0..100 figure as `42%`, or `-`. */
export function percent(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value)}%` : '-';
}

/** Milliseconds as `0.4s`, `12s`, `3m05s`, `2h04m`. */
export function age(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
