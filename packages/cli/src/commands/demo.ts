/**
 * `cohort demo`: the embedded default. A coordinator and agents on loopback
 * (one per mode), a CPU-bound primes job, a SIGKILL of one agent at about 40%,
 * and a report: the agent lost, the partitions requeued, the result checked
 * against the known prime count, and throughput before and after the kill
 * beside the capacity actually lost.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { printable, type AgentMode } from '@cohort/shared';
import { COMMON_FLAGS, intFlag } from '../args.js';
import { startLocalCluster, defaultLogDir } from '../local-cluster.js';
import { runJob } from '../run-job.js';
import { capacityModel, steadyRates } from '../capacity.js';

export const DEMO_HELP = `cohort demo [--agents 3] [--json]
  Starts a coordinator and agents on 127.0.0.1, runs primes in [0, 2e9) in 60 partitions,
  SIGKILLs one agent at about 40% progress, and checks the result (98222287).`;

export const DEMO_RANGE = { from: 0, to: 2_000_000_000 };
/** π(2·10^9), checked against the primes task at build time (test/demo.test.ts). */
export const DEMO_EXPECTED = 98_222_287;
export const DEMO_PARTITIONS = 60;
export const KILL_AT = 0.4;
const MODES: AgentMode[] = ['threads', 'processes', 'auto'];

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { agents: { type: 'string' }, json: { type: 'boolean' }, ...COMMON_FLAGS }, strict: true });
  if (values.help) {
    process.stdout.write(`${DEMO_HELP}\n`);
    return 0;
  }
  const count = intFlag('agents', values.agents) ?? 3;
  if (count < 2 || count > 16) throw new Error('--agents must be 2 to 16 (one is killed)');
  const say = (line: string) => {
    if (!values.json) process.stdout.write(`${line}\n`);
  };
  const cpus = os.availableParallelism();
  const slots = Math.max(1, Math.floor(cpus / count));
  const specs = Array.from({ length: count }, (_, i) => ({ name: `agent-${i + 1}`, mode: MODES[i % MODES.length]!, slots }));
  const logDir = defaultLogDir('demo');
  say(`cohort demo: a coordinator and ${count} agents on 127.0.0.1, ${slots} slot(s) each, on a ${cpus}-CPU host`);
  const cluster = await startLocalCluster({ agents: specs, logDir });
  try {
    say(`  coordinator ${cluster.url} (pid ${cluster.coordinator.pid}); token in a 0600 file (--token-file), never on a command line nor in an environment`);
    const agents = [...cluster.agents].sort((a, b) => a.name.localeCompare(b.name));
    const specOf = (name: string) => specs.find((s) => s.name === name)!;
    for (const a of agents) say(`  ${a.name}: mode ${specOf(a.name).mode}, pid ${a.pid}, session ${a.sessionId}`);
    // The second agent (mode processes): its slot children are orphaned by the kill and must not matter.
    const victim = agents[1]!;
    const victimSpec = specOf(victim.name);
    say(`job: count primes in [${DEMO_RANGE.from}, ${DEMO_RANGE.to}) in ${DEMO_PARTITIONS} partitions; SIGKILL ${victim.name} at ${KILL_AT * 100}%`);

    const samples: Array<[t: number, done: number]> = [];
    let killedAt = 0;
    let doneAtKill = 0;
    let lostAt = 0;
    let requeued = 0;
    const report = await runJob({
      url: cluster.url,
      token: cluster.token,
      task: 'primes',
      input: DEMO_RANGE,
      partitions: DEMO_PARTITIONS,
      onProgress: (p) => {
        samples.push([Date.now(), p.done]);
        if (killedAt === 0 && p.done >= KILL_AT * p.total) {
          killedAt = Date.now();
          doneAtKill = p.done;
          victim.kill('SIGKILL');
          say(`  ${p.done}/${p.total} done → SIGKILL ${victim.name} (pid ${victim.pid}, mode ${victimSpec.mode})`);
        }
      },
      onCluster: (e) => {
        if (e.kind === 'agent-lost' && e.agent === victim.name) {
          lostAt = Date.now();
          requeued = e.requeued as number;
          say(`  coordinator: ${victim.name} lost (${printable(e.reason)}) ${lostAt - killedAt} ms after the kill; ${printable(requeued)} partition(s) requeued`);
        }
      },
    });
    const endedAt = Date.now();
    const correct = report.status === 'succeeded' && report.result === DEMO_EXPECTED;
    samples.push([endedAt, report.partitions]);
    const { before, after } = steadyRates(samples, killedAt, report.partitions);
    const model = capacityModel(specs.map((s) => s.slots), specs.indexOf(victimSpec), cpus);
    say(`result ${printable(report.result)} — ${correct ? 'correct' : 'WRONG'} (expected ${DEMO_EXPECTED}); status ${printable(report.status)} in ${report.durationMs} ms`);
    say(`attempts ${report.attempts} for ${report.partitions} partitions (${report.attempts - report.partitions} extra), requeued ${report.requeued}, duplicates ${report.duplicates}`);
    say(`modes: ${printable(Object.entries(report.modeReasons).map(([k, v]) => `${k} ${v}`).join(', '))}`);
    say(`throughput (steady windows, 10%→kill and kill→90%): ${before.toFixed(1)} partitions/s before, ${after.toFixed(1)} after (${((100 * after) / before).toFixed(0)}% of before)`);
    say(`capacity lost: ${model.slotsLost} of ${model.slotsBefore} slots; these agents share ${cpus} CPUs, so usable capacity goes from ${model.usableBefore} to ${model.usableAfter} CPUs: predicted ${(100 * model.predictedRatio).toFixed(0)}% of before`);
    say(`logs: ${logDir}`);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          correct,
          expected: DEMO_EXPECTED,
          killed: { agent: victim.name, mode: victimSpec.mode, pid: victim.pid, atDone: doneAtKill, detectedMs: lostAt ? lostAt - killedAt : null, requeued },
          throughput: { before, after, ratio: after / before, predictedRatio: model.predictedRatio },
          report,
          logDir,
        })}\n`,
      );
    }
    return correct ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}
