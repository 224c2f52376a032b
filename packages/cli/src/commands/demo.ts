/**
 * `cohort demo`: the embedded default. A coordinator and agents on loopback
 * (one per mode), a CPU-bound primes job, a SIGKILL of one agent at about 40%,
 * and a report: the agent lost, the partitions requeued, the result checked
 * against the known prime count, and throughput before and after the kill
 * beside the capacity actually lost.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { AGENT_MODES, printable, type AgentMode } from '@cohort/shared';
import { COMMON_FLAGS, intFlag } from '../args.js';
import { capacityModel, steadyRates } from '../capacity.js';
import { DEMO_DOCKER_HELP, dockerDemo } from '../demo/docker.js';
import { dashboardLine, dashboardUrl } from '../dashboard-url.js';
import { hold, holdFor } from '../demo/hold.js';
import { startLocalCluster, defaultLogDir, type AgentSpec, type LocalCluster } from '../local-cluster.js';
import type { AgentProcess } from '../processes.js';
import { DEFAULT_REATTACH_TIMEOUT_MS } from '../run-job.js';
import { watchWithFault, type WatchedRun } from '../watched-run.js';

export const DEMO_HELP = `cohort demo [--agents 3] [--json] [--hold-ms N]
  Starts a coordinator and agents on 127.0.0.1, runs primes in [0, 2e9) in 60 partitions,
  SIGKILLs one agent at about 40% progress, and checks the result (98222287).
  It prints the dashboard's address first. On a terminal the cluster then stays up for the
  dashboard (the kill, the requeue, the throughput before and after) until Enter or Ctrl-C,
  at most --hold-ms (default 10 minutes); elsewhere it stops at once unless --hold-ms is given.
${DEMO_DOCKER_HELP}`;

export const DEMO_RANGE = { from: 0, to: 2_000_000_000 };
/** π(2·10^9), checked against the primes task at build time (test/demo.test.ts). */
export const DEMO_EXPECTED = 98_222_287;
export const DEMO_PARTITIONS = 60;
export const KILL_AT = 0.4;
/** One agent in each mode. */
const MODES: readonly AgentMode[] = AGENT_MODES;

type Say = (line: string) => void;

interface Victim {
  agent: AgentProcess;
  spec: AgentSpec;
}

/** What the kill cost, as the demo measured it. */
interface KillRun {
  run: WatchedRun;
  killedAt: number;
  doneAtKill: number;
  lostAt: number;
  requeued: number;
}

/** `cohort demo [--docker]`: the embedded demo, or with --docker the compose one (../demo/docker.ts). */
export async function demoCommand(argv: string[]): Promise<number> {
  if (argv.includes('--docker')) return dockerDemo(argv.filter((a) => a !== '--docker'));
  const { values } = parseArgs({
    args: argv,
    options: { agents: { type: 'string' }, json: { type: 'boolean' }, 'hold-ms': { type: 'string' }, ...COMMON_FLAGS },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${DEMO_HELP}\n`);
    return 0;
  }
  const count = intFlag('agents', values.agents) ?? 3;
  const holdMs = holdFor(intFlag('hold-ms', values['hold-ms']), Boolean(process.stdout.isTTY) && !values.json);
  if (count < 2 || count > 16) throw new Error('--agents must be 2 to 16 (one is killed)');
  const say: Say = (line) => {
    if (!values.json) process.stdout.write(`${line}\n`);
  };
  const cpus = os.availableParallelism();
  const slots = Math.max(1, Math.floor(cpus / count));
  const specs = Array.from({ length: count }, (_, i) => ({ name: `agent-${i + 1}`, mode: MODES[i % MODES.length]!, slots }));
  const logDir = defaultLogDir('demo');
  say(`cohort demo: a coordinator and ${count} agents on 127.0.0.1, ${slots} slot(s) each, on a ${cpus}-CPU host`);
  const cluster = await startLocalCluster({ agents: specs, logDir });
  try {
    const victim = introduce(cluster, specs, say);
    const kill = await runWithKill(cluster, victim, say);
    const correct = kill.run.report.status === 'succeeded' && kill.run.report.result === DEMO_EXPECTED;
    const throughput = summarize(
      kill,
      correct,
      specs.map((s) => s.slots),
      specs.indexOf(victim.spec),
      cpus,
      say,
    );
    say(`logs: ${logDir}`);
    if (values.json) process.stdout.write(`${JSON.stringify(demoJson(kill, victim, { correct, throughput, logDir }))}\n`);
    if (holdMs > 0) {
      say(`the dashboard stays up at ${dashboardUrl(cluster.url)}: press Enter or Ctrl-C to stop the cluster`);
      await hold(holdMs);
    }
    return correct ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}

/** The demo's one JSON object (`--json`). */
function demoJson(kill: KillRun, victim: Victim, outcome: { correct: boolean; throughput: ReturnType<typeof summarize>; logDir: string }) {
  const { run, killedAt, doneAtKill, lostAt, requeued } = kill;
  return {
    correct: outcome.correct,
    expected: DEMO_EXPECTED,
    killed: {
      agent: victim.agent.name,
      mode: victim.spec.mode,
      pid: victim.agent.pid,
      atDone: doneAtKill,
      detectedMs: lostAt ? lostAt - killedAt : null,
      requeued,
    },
    throughput: outcome.throughput,
    report: run.report,
    logDir: outcome.logDir,
  };
}

/** Name the cluster's processes and the job, and pick the victim: the second agent (mode processes), whose orphaned slot children must not matter. */
function introduce(cluster: LocalCluster, specs: AgentSpec[], say: Say): Victim {
  say(`  coordinator ${cluster.url} (pid ${cluster.coordinator.pid}); token in a 0600 file (--token-file), never on a command line nor in an environment`);
  say(dashboardLine(cluster.url, cluster.token));
  const agents = [...cluster.agents].sort((a, b) => a.name.localeCompare(b.name));
  const specOf = (name: string) => specs.find((s) => s.name === name)!;
  for (const a of agents) say(`  ${a.name}: mode ${specOf(a.name).mode}, pid ${a.pid}, session ${a.sessionId}`);
  const victim = { agent: agents[1]!, spec: specOf(agents[1]!.name) };
  say(`job: count primes in [${DEMO_RANGE.from}, ${DEMO_RANGE.to}) in ${DEMO_PARTITIONS} partitions; SIGKILL ${victim.agent.name} at ${KILL_AT * 100}%`);
  return victim;
}

/** The primes job, with a SIGKILL of the victim at KILL_AT, telling each step as it happens. */
async function runWithKill(cluster: LocalCluster, victim: Victim, say: Say): Promise<KillRun> {
  const { agent } = victim;
  let doneAtKill = 0;
  let lostAt = 0;
  let requeued = 0;
  const fault = watchWithFault(
    cluster,
    { task: 'primes', input: DEMO_RANGE, partitions: DEMO_PARTITIONS },
    {
      when: (p) => p.done >= KILL_AT * p.total,
      inject: (p) => {
        doneAtKill = p.done;
        agent.kill('SIGKILL');
        say(`  ${p.done}/${p.total} done → SIGKILL ${agent.name} (pid ${agent.pid}, mode ${victim.spec.mode})`);
      },
    },
    {
      reattachTimeoutMs: DEFAULT_REATTACH_TIMEOUT_MS,
      onCluster: (e) => {
        if (e.kind === 'agent-lost' && e.agent === agent.name) {
          lostAt = e.receivedAt;
          requeued = e.requeued as number;
          say(
            `  coordinator: ${agent.name} lost (${printable(e.reason)}) ${lostAt - fault.injectedAt()} ms after the kill; ${printable(requeued)} partition(s) requeued`,
          );
        }
      },
    },
  );
  const run = await fault.run;
  return { run, killedAt: fault.injectedAt(), doneAtKill, lostAt, requeued };
}

/** The figures: result, attempts, modes, throughput before and after the kill beside the capacity model. */
function summarize(kill: KillRun, correct: boolean, slotsPerAgent: number[], victimIndex: number, cpus: number, say: Say) {
  const { report, samples, endedAt } = kill.run;
  const { before, after } = steadyRates([...samples, [endedAt, report.partitions]], kill.killedAt, report.partitions);
  const model = capacityModel(slotsPerAgent, victimIndex, cpus);
  say(
    `result ${printable(report.result)} — ${correct ? 'correct' : 'WRONG'} (expected ${DEMO_EXPECTED}); status ${printable(report.status)} in ${report.durationMs} ms`,
  );
  say(
    `attempts ${report.attempts} for ${report.partitions} partitions (${report.attempts - report.partitions} extra), requeued ${report.requeued}, duplicates ${report.duplicates}`,
  );
  say(
    `modes: ${printable(
      Object.entries(report.modeReasons)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    )}`,
  );
  say(
    `throughput (steady windows, 10%→kill and kill→90%): ${before.toFixed(1)} partitions/s before, ${after.toFixed(1)} after (${((100 * after) / before).toFixed(0)}% of before)`,
  );
  say(
    `capacity lost: ${model.slotsLost} of ${model.slotsBefore} slots; these agents share ${cpus} CPUs, so usable capacity goes from ${model.usableBefore} to ${model.usableAfter} CPUs: predicted ${(100 * model.predictedRatio).toFixed(0)}% of before`,
  );
  return { before, after, ratio: after / before, predictedRatio: model.predictedRatio };
}
