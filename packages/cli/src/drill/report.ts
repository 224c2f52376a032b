/** The drill report as a table, one row per scenario, and its notes. */
import { CohortError, ErrorCode, printable } from '@cohort/shared';
import type { DrillReport, DrillResult } from './types.js';

const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
const x = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}×`);

export function formatDrillTable(results: DrillResult[]): string {
  const header = ['scenario', 'injected', 'detected', 'requeued', 'dupes', 'attempts', 'job', 'baseline', 'slowdown', 'predicted', 'result'];
  const rows = results.map((r) => [
    r.scenario,
    ms(r.injectedAtMs),
    ms(r.detectedMs),
    String(r.requeued),
    String(r.duplicates),
    `${r.attempts}/${r.partitions}`,
    ms(r.jobMs),
    ms(r.baselineMs),
    x(r.slowdown),
    x(r.predictedSlowdown),
    r.correct ? 'correct' : 'WRONG',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  for (const r of results) {
    out.push('', `${r.scenario}: ${r.fault}`);
    for (const note of r.notes) out.push(`  - ${note}`);
  }
  // Notes quote what the cluster reported (agent names, error messages): escaped line by line.
  return out.map(printable).join('\n');
}

/** Read the line `cohort drill … --json` printed; INTERNAL when it is not a drill report. */
export function parseDrillReport(text: string): DrillReport {
  const v: unknown = JSON.parse(text);
  const fine = (r: unknown) =>
    typeof r === 'object' && r !== null && 'scenario' in r && typeof r.scenario === 'string' && 'correct' in r && typeof r.correct === 'boolean';
  if (
    typeof v !== 'object' ||
    v === null ||
    !('ok' in v) ||
    typeof v.ok !== 'boolean' ||
    !('results' in v) ||
    !Array.isArray(v.results) ||
    !v.results.every(fine)
  ) {
    throw new CohortError(ErrorCode.INTERNAL, 'not a drill report');
  }
  return { agents: 0, logDir: '', ...v, ok: v.ok, results: v.results };
}
