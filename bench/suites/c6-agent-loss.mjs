/**
 * Claim 6: losing 1 of 10 processors costs about 10%, not everything.
 * 10 single-slot agents (real processes) on loopback, `sleep` partitions of
 * fixed duration so capacity is exact; a baseline job, then the same job
 * with one agent SIGKILLed when half is done. Slowdown = fault / baseline,
 * against predictedSlowdown(f, 10, 9) at the fraction f actually done at the
 * kill. Detection: from the kill to the coordinator's agent-lost event.
 * A second fault (SIGSTOP: a hung agent, detected by missed heartbeats) gives
 * the heartbeat-timeout detection time.
 */
import { predictedSlowdown, startLocalCluster, watchJob, watchWithFault } from '@cohort/cli';
import { summary } from '../lib/stats.mjs';

const AGENTS = 10;
const SLEEP_MS = 100;
const FAULT_AT = 0.5;

/** Progress samples relative to `t0`, as the report's chart draws them. */
const since = (t0, samples) => samples.map(([t, done]) => [t - t0, done]);

async function faultRun(c, job, signal) {
  const victim = c.agents[c.agents.length - 1];
  let fraction = 0;
  const t0 = Date.now();
  const fault = watchWithFault(c, job, {
    when: (p) => p.done >= FAULT_AT * p.total,
    inject: (p) => {
      fraction = p.done / p.total;
      victim.kill(signal);
    },
  });
  const run = await fault.run;
  const killedAt = fault.injectedAt();
  if (signal === 'SIGSTOP') victim.kill('SIGCONT');
  const lost = run.events.find((e) => e.kind === 'agent-lost' && e.agent === victim.name);
  // Replace the victim so the next repetition starts with 10 agents again.
  await victim.stop().catch(() => {});
  c.agents.splice(c.agents.indexOf(victim), 1);
  await c.addAgent({ name: `${victim.name}-r${Date.now() % 100000}`, mode: 'threads', slots: 1 });
  return { run, killedAt, fraction, detectedMs: lost ? lost.at - killedAt : null, progress: since(t0, run.samples), submittedAt: run.submittedAt };
}

/** One repetition: a baseline, then the same job with one agent SIGKILLed halfway. */
async function lossRep(c, job, expected) {
  const t0 = Date.now();
  const base = await watchJob(c, job);
  const f = await faultRun(c, job, 'SIGKILL');
  const baselineMs = base.endedAt - base.submittedAt;
  const faultMs = f.run.endedAt - f.run.submittedAt;
  return {
    baselineMs,
    faultMs,
    slowdown: faultMs / baselineMs,
    fraction: f.fraction,
    predicted: predictedSlowdown(f.fraction, AGENTS, AGENTS - 1),
    detectedMs: f.detectedMs,
    correct: base.report.result === expected && f.run.report.result === expected,
    requeued: f.run.report.requeued,
    baseProgress: since(t0, base.samples),
    faultProgress: f.progress,
    killAtMs: f.killedAt - f.submittedAt,
  };
}

function lossFigures(out) {
  out.slowdown = summary(
    out.runs.map((r) => r.slowdown),
    '×',
  );
  out.predicted = summary(
    out.runs.map((r) => r.predicted),
    '×',
  );
  out.predictedNominal = predictedSlowdown(FAULT_AT, AGENTS, AGENTS - 1);
  out.detectedMs = summary(
    out.runs.map((r) => r.detectedMs ?? NaN),
    'ms',
  );
  out.allCorrect = out.runs.every((r) => r.correct);
  out.ratios = { measuredOverPredicted: out.slowdown.median / out.predicted.median };
  return out;
}

export default {
  name: 'agent-loss',
  claim: 6,
  async run({ quick, log }) {
    const job = { task: 'sleep', input: { ms: SLEEP_MS }, partitions: AGENTS * (quick ? 20 : 40) };
    const expected = job.partitions * SLEEP_MS;
    const c = await startLocalCluster({ agents: Array.from({ length: AGENTS }, (_, i) => ({ name: `loss-${i + 1}`, mode: 'threads', slots: 1 })) });
    const out = {
      method: `${AGENTS} single-slot agents, ${job.partitions} sleep partitions of ${SLEEP_MS} ms, SIGKILL one at ${FAULT_AT * 100}%`,
      agents: AGENTS,
      partitions: job.partitions,
      sleepMs: SLEEP_MS,
      runs: [],
    };
    try {
      await watchJob(c, { ...job, partitions: AGENTS }); // warm: every agent has loaded the task
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        const r = await lossRep(c, job, expected);
        out.runs.push(r);
        log(
          `  rep ${i + 1}: baseline ${r.baselineMs} ms, with loss ${r.faultMs} ms, slowdown ${r.slowdown.toFixed(3)} (pred ${r.predicted.toFixed(3)}), detected ${r.detectedMs} ms, correct ${r.correct}`,
        );
      }
      const hang = await faultRun(c, job, 'SIGSTOP');
      out.hang = { detectedMs: hang.detectedMs, correct: hang.run.report.result === expected, heartbeatTimeoutMs: 2000 };
      log(`  hung agent (SIGSTOP): detected after ${hang.detectedMs} ms (heartbeat timeout)`);
    } finally {
      await c.stop();
    }
    return lossFigures(out);
  },
};
