/**
 * `cohort chaos`: a seeded soak. Jobs with known answers run on a local
 * cluster while agents are killed and paused, the coordinator restarts and
 * a rogue agent forges results. Exit 0 only with 0 wrong answers and 0 hangs.
 */
import { parseArgs } from 'node:util';
import { CohortError, ErrorCode } from '@cohort/shared';
import { COMMON_FLAGS, intFlag } from '../args.js';
import { runChaos, type ChaosReport } from '../chaos/chaos.js';
import { defaultLogDir } from '../local-cluster.js';

export const CHAOS_HELP = `cohort chaos [--seed N] [--minutes 10] [--seconds S] [--json]
  A seeded soak on 127.0.0.1: jobs with known answers while agents are SIGKILLed and
  SIGSTOPped, the coordinator is SIGKILLed and restarted, a rogue agent forges results,
  and slots crash. Each job must succeed with the right answer or fail with a stable
  code, within a bound. Exits 0 only with 0 wrong answers and 0 hangs.`;

export function formatChaos(r: ChaosReport): string {
  const faults = Object.entries(r.faults)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const injected = Object.values(r.faults).reduce((a, b) => a + b, 0);
  return [
    `chaos seed ${r.seed}: ${r.rounds} rounds in ${Math.round(r.durationMs / 1000)} s`,
    `faults injected: ${injected} (${faults})`,
    `jobs: ${r.jobs.total}; right ${r.jobs.right}; failed with a code ${r.jobs.failedWithCode}; wrong ${r.jobs.wrong}; hung ${r.jobs.hung}`,
  ].join('\n');
}

export async function chaosCommand(argv: string[]): Promise<number> {
  const options = { seed: { type: 'string' }, minutes: { type: 'string' }, seconds: { type: 'string' }, json: { type: 'boolean' }, ...COMMON_FLAGS } as const;
  const { values } = parseArgs({ args: argv, options, strict: true });
  if (values.help) {
    process.stdout.write(`${CHAOS_HELP}\n`);
    return 0;
  }
  const seed = intFlag('seed', values.seed) ?? Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
  const seconds = intFlag('seconds', values.seconds) ?? 60 * (intFlag('minutes', values.minutes) ?? 10);
  if (seconds < 1 || seconds > 24 * 3600) throw new CohortError(ErrorCode.INVALID_OPTION, '--minutes/--seconds must give 1 s to 24 h');
  const logDir = defaultLogDir('chaos');
  process.stderr.write(`cohort chaos: seed ${seed}, ${seconds} s, logs in ${logDir}\n`);
  const report = await runChaos({ seed, durationMs: seconds * 1000, logDir, say: (line) => void (!values.json && process.stderr.write(`${line}\n`)) });
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${formatChaos(report)}\nlogs: ${logDir}\n`);
  return report.jobs.wrong === 0 && report.jobs.hung === 0 ? 0 : 1;
}
