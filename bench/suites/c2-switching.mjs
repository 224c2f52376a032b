/**
 * Claim 2: switching between threads is cheaper than switching between
 * processes. Cohort's real runtimes: the round trip of one one-partition
 * batch of `noop` (agent → slot → agent), with tinybench; then K slots each
 * running that ping-pong in a closed loop for a fixed time, K = 1…8 on a
 * machine with fewer cores, so the OS must switch between them.
 */
import os from 'node:os';
import { micro } from '../lib/micro.mjs';
import { runtime } from '../lib/slots.mjs';
import { summary } from '../lib/stats.mjs';

async function closedLoop(mode, k, ms) {
  const slots = Array.from({ length: k }, () => runtime(mode));
  await Promise.all(slots.map((s) => s.start()));
  for (const s of slots) await s.run('noop', [null]);
  let count = 0;
  let stop = false;
  const t0 = performance.now();
  const loops = slots.map(async (s) => {
    while (!stop) {
      await s.run('noop', [null]);
      count++;
    }
  });
  await new Promise((r) => setTimeout(r, ms));
  stop = true;
  await Promise.all(loops);
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(slots.map((s) => s.stop()));
  return count / seconds;
}

export default {
  name: 'switching',
  claim: 2,
  async run({ quick, log }) {
    const out = {
      method: 'Cohort runtimes, one-partition `noop` batches; tinybench for the round trip; closed loops for throughput',
      cores: os.availableParallelism(),
    };
    const thread = runtime('thread');
    const proc = runtime('process');
    await Promise.all([thread.start(), proc.start()]);
    out.roundTrip = await micro(
      [
        { name: 'thread', fn: () => thread.run('noop', [null]) },
        { name: 'process', fn: () => proc.run('noop', [null]) },
      ],
      { quick },
    );
    await Promise.all([thread.stop(), proc.stop()]);
    log(`  round trip: thread ${out.roundTrip.thread.median.toFixed(1)} µs, process ${out.roundTrip.process.median.toFixed(1)} µs`);
    const ks = quick ? [1, 2, 4, 8] : [1, 2, 3, 4, 6, 8, 16];
    const reps = quick ? 1 : 3;
    const ms = quick ? 400 : 1000;
    out.throughput = { thread: {}, process: {} };
    for (const k of ks) {
      for (const mode of ['thread', 'process']) {
        const samples = [];
        for (let i = 0; i < reps; i++) samples.push(await closedLoop(mode, k, ms));
        out.throughput[mode][k] = summary(samples, 'msg/s');
      }
      log(`  ${k} slots: thread ${Math.round(out.throughput.thread[k].median)} /s, process ${Math.round(out.throughput.process[k].median)} /s`);
    }
    out.slotCounts = ks;
    out.ratios = {
      roundTripProcessOverThread: out.roundTrip.process.median / out.roundTrip.thread.median,
      throughputThreadOverProcessAtMaxSlots: out.throughput.thread[ks.at(-1)].median / out.throughput.process[ks.at(-1)].median,
    };
    return out;
  },
};
