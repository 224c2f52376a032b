/**
 * Claim 1: a thread costs less to create and to terminate than a process.
 * Cohort's real runtimes (ThreadRuntime / ProcessRuntime, the same slot-main
 * and the same heap limit the agent uses): spawn → first message (`ready`),
 * stop → exit, and memory per slot (RSS and V8 heap) with N idle slots.
 */
import { MB, rssBytes } from '../lib/proc.mjs';
import { runtime, TASK_MEM, DEFAULT_HEAP_LIMIT_MB } from '../lib/slots.mjs';
import { summary } from '../lib/stats.mjs';

const gc = () => globalThis.gc?.();

async function lifecycleOnce(mode) {
  const slot = runtime(mode);
  const t0 = performance.now();
  await slot.start();
  const spawnMs = performance.now() - t0;
  await slot.run('noop', [null]); // the slot has loaded a task, as a working slot would have
  const t1 = performance.now();
  await slot.stop();
  await slot.exit;
  const stopMs = performance.now() - t1;
  return { spawnMs, stopMs };
}

async function memory(mode, n) {
  gc();
  await new Promise((r) => setTimeout(r, 100));
  const before = process.memoryUsage().rss;
  const slots = Array.from({ length: n }, () => runtime(mode));
  await Promise.all(slots.map((s) => s.start()));
  const inside = [];
  for (const s of slots) inside.push((await s.run(TASK_MEM, [null]))[0]);
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const after = process.memoryUsage().rss;
  const childRss = mode === 'process' ? slots.map((s) => rssBytes(s.pid)) : [];
  await Promise.all(slots.map((s) => s.stop()));
  const agentDelta = (after - before) / n;
  const perSlotRss = mode === 'thread' ? agentDelta : childRss.reduce((a, b) => a + b, 0) / n + agentDelta;
  return {
    rssPerSlotMb: perSlotRss / MB,
    agentRssDeltaPerSlotMb: agentDelta / MB,
    heapUsedPerSlotMb: inside.reduce((a, m) => a + m.usedHeap, 0) / n / MB,
    heapTotalPerSlotMb: inside.reduce((a, m) => a + m.totalHeap, 0) / n / MB,
    heapLimitMb: inside[0].heapLimit / MB,
  };
}

export default {
  name: 'lifecycle',
  claim: 1,
  async run({ quick, log }) {
    const reps = quick ? 5 : 15;
    const out = { method: `Cohort ThreadRuntime / ProcessRuntime (@cohort/agent/slots), slot-main.js, heap limit ${DEFAULT_HEAP_LIMIT_MB} MB`, modes: {} };
    for (const mode of ['thread', 'process']) {
      await lifecycleOnce(mode); // warm the module cache and the disk cache
      const spawn = [];
      const stop = [];
      for (let i = 0; i < reps; i++) {
        const r = await lifecycleOnce(mode);
        spawn.push(r.spawnMs);
        stop.push(r.stopMs);
      }
      const n = quick ? 4 : 8;
      const mems = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) mems.push(await memory(mode, n));
      const pick = (k) =>
        summary(
          mems.map((m) => m[k]),
          'MB',
        );
      out.modes[mode] = {
        spawnMs: summary(spawn, 'ms'),
        stopMs: summary(stop, 'ms'),
        slotsForMemory: n,
        rssPerSlotMb: pick('rssPerSlotMb'),
        heapUsedPerSlotMb: pick('heapUsedPerSlotMb'),
        heapTotalPerSlotMb: pick('heapTotalPerSlotMb'),
        heapLimitMb: mems[0].heapLimitMb,
      };
      log(
        `  ${mode}: spawn ${out.modes[mode].spawnMs.median.toFixed(1)} ms, stop ${out.modes[mode].stopMs.median.toFixed(1)} ms, rss/slot ${out.modes[mode].rssPerSlotMb.median.toFixed(1)} MB`,
      );
    }
    const t = out.modes.thread;
    const p = out.modes.process;
    out.ratios = {
      spawnProcessOverThread: p.spawnMs.median / t.spawnMs.median,
      stopProcessOverThread: p.stopMs.median / t.stopMs.median,
      rssProcessOverThread: p.rssPerSlotMb.median / t.rssPerSlotMb.median,
    };
    return out;
  },
};
