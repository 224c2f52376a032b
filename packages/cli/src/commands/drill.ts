/**
 * `cohort drill SCENARIO`: rehearse a fault on a cluster started on loopback
 * and report what was detected, how fast, what it cost, and whether the
 * answer was still right. Exit 0 only if every scenario was correct.
 */
import { parseArgs } from 'node:util';
import { CohortError, ErrorCode, printable } from '@cohort/shared';
import { COMMON_FLAGS, intFlag } from '../args.js';
import { defaultLogDir } from '../local-cluster.js';
import { formatDrillTable } from '../drill/report.js';
import { SCENARIOS } from '../drill/scenarios.js';
import type { DrillReport, DrillResult } from '../drill/types.js';

export const DRILL_HELP = `cohort drill SCENARIO [--agents 4] [--json]
  Scenarios: ${Object.keys(SCENARIOS).join(', ')}, all.
  Each starts a coordinator and single-slot agents on 127.0.0.1, runs a baseline job,
  then the same job with the fault, and reports detection time, requeues, duplicates,
  slowdown beside the capacity prediction, and whether the result matched.`;

export async function drillCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { agents: { type: 'string' }, json: { type: 'boolean' }, ...COMMON_FLAGS },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${DRILL_HELP}\n`);
    return 0;
  }
  const name = positionals[0];
  const names = name === 'all' ? Object.keys(SCENARIOS) : name && SCENARIOS[name] ? [name] : undefined;
  if (!names) throw new CohortError(ErrorCode.INVALID_OPTION, `name a scenario: ${Object.keys(SCENARIOS).join(', ')} or all`);
  const agents = intFlag('agents', values.agents) ?? 4;
  if (agents < 2 || agents > 32) throw new CohortError(ErrorCode.INVALID_OPTION, '--agents must be 2 to 32');
  const logDir = defaultLogDir('drill');
  const say = (line: string) => {
    if (!values.json) process.stderr.write(`${printable(line)}\n`);
  };
  const results: DrillResult[] = [];
  for (const scenario of names) {
    say(`drill ${scenario}: ${agents} single-slot agents on 127.0.0.1 …`);
    const r = await SCENARIOS[scenario]!({ agents, say, logDir });
    say(`drill ${scenario}: ${r.correct ? 'correct' : 'WRONG'} in ${r.jobMs} ms (baseline ${r.baselineMs} ms)`);
    results.push(r);
  }
  const ok = results.every((r) => r.correct);
  const report: DrillReport = { ok, agents, logDir, results };
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`${formatDrillTable(results)}\n\nlogs: ${logDir}\n`);
  return ok ? 0 : 1;
}
