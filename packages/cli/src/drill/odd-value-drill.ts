/**
 * The `odd-value` drill: on an agent of each slot mode, a job whose
 * partitions return every exact kind of the value model (Map, Set, BigInt of
 * any size, typed arrays, -0, NaN, undefined…) must come back exact; then
 * jobs whose one partition returns a value the model refuses (a cycle, 70,000
 * keys, a function, 70 MB) must fail that attempt only, with its code, while
 * every agent keeps its session: no agent dies of a value.
 */
import { failedAttempts, type JobReport } from '@cohort/shared';
import { oddValueMerged } from '@cohort/tasks/odd-value';
import { ApiClient } from '@cohort/sdk';
import { runJob } from '../run-job.js';
import { startLocalCluster } from '../local-cluster.js';
import type { DrillOptions, DrillResult } from './types.js';

const EXACT = [
  'undefined',
  'nan',
  'neg-zero',
  'bigint-70',
  'bigint-4096',
  'date',
  'map',
  'set',
  'buffer',
  'float64array',
  'bigint64array',
  'undefined-in-object',
  'nested',
  'random:7',
];
const REFUSED: Record<string, string> = {
  'cyclic-array': 'RESULT_NOT_SERIALIZABLE',
  'keys-70000': 'RESULT_NOT_SERIALIZABLE',
  function: 'RESULT_NOT_SERIALIZABLE',
  'huge-70mb': 'RESULT_TOO_LARGE',
};

export async function oddValue(options: DrillOptions): Promise<DrillResult> {
  const c = await startLocalCluster({
    agents: [
      { name: 'odd-threads', mode: 'threads', slots: 1 },
      { name: 'odd-processes', mode: 'processes', slots: 1 },
    ],
    logDir: options.logDir,
  });
  try {
    const api = new ApiClient({ url: c.url, token: c.token, tls: c.tls });
    const sessions = async () =>
      (await api.agents())
        .map((a) => a.agentId)
        .sort()
        .join(',');
    const before = await sessions();
    const started = Date.now();
    const kinds = [...EXACT, ...EXACT];
    const exact = await runJob({ url: c.url, token: c.token, tls: c.tls, task: 'odd-value', input: { kinds }, partitions: kinds.length });
    const flags = oddValueMerged(exact.result)?.exact ?? [];
    const allExact = exact.status === 'succeeded' && flags.length === kinds.length && flags.every(Boolean);
    const notes = [`${kinds.length} values of ${EXACT.length} kinds over both slot modes: ${allExact ? 'all exact' : 'NOT all exact'}`];
    let refusedRight = 0;
    let last: JobReport = exact;
    for (const [kind, code] of Object.entries(REFUSED)) {
      last = await runJob({ url: c.url, token: c.token, tls: c.tls, task: 'odd-value', input: { kinds: [kind] }, partitions: 1, maxAttempts: 2 });
      const codes = failedAttempts(last.error).map((a) => a.code);
      const right = last.status === 'failed' && codes.length > 0 && codes.every((x) => x === code);
      if (right) refusedRight++;
      notes.push(`${kind}: ${right ? `refused with ${code}` : `WRONG (${last.status}, ${codes.join(' ') || last.error?.code})`}`);
    }
    const same = (await sessions()) === before;
    notes.push(same ? 'every agent kept its session' : 'an agent lost its session');
    const jobMs = Date.now() - started;
    return {
      scenario: 'odd-value',
      fault: 'results of every kind of the value model, and values it refuses',
      injectedAtMs: null,
      detectedMs: null,
      requeued: exact.requeued,
      duplicates: exact.duplicates,
      attempts: exact.attempts,
      partitions: exact.partitions,
      jobMs,
      baselineMs: jobMs,
      slowdown: 1,
      predictedSlowdown: null,
      correct: allExact && refusedRight === Object.keys(REFUSED).length && same,
      expected: 'all exact; refused kinds fail with their code; no agent lost',
      result: allExact ? 'all exact' : exact.result,
      notes,
    };
  } finally {
    await c.stop();
  }
}
