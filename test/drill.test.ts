/** `cohort drill all --json` exits 0 and every scenario reports a correct result. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COHORT_BIN, parseDrillReport } from '@cohort/cli';

describe('cohort drill all', () => {
  it('runs every scenario and every one is correct', { timeout: 240_000 }, async () => {
    const child = spawn(process.execPath, [COHORT_BIN, 'drill', 'all', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 220_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    const report = parseDrillReport(stdout);
    expect(report.results.map((r) => r.scenario)).toEqual([
      'kill-agent',
      'hang-agent',
      'crash-slot',
      'poison',
      'straggler',
      'restart-coordinator',
      'corrupt-journal',
      'rogue-agent',
      'odd-value',
    ]);
    expect(report.results.filter((r) => !r.correct)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    const hang = report.results.find((r) => r.scenario === 'hang-agent')!;
    expect(hang.detectedMs).toBeLessThanOrEqual(2500);
  });
});
