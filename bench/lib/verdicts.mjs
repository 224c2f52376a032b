/** Each claim's verdict, computed from the figures: holds, does not hold, or partly, with the numbers that decide it. */
import { fmt } from './stats.mjs';

const v = (verdict, text) => ({ verdict, text });

/** Claim 1. */
function lifecycle(l) {
  const r = l.ratios;
  const heap = l.modes.process.heapUsedPerSlotMb.median / l.modes.thread.heapUsedPerSlotMb.median;
  const all = r.spawnProcessOverThread > 1 && r.stopProcessOverThread > 1 && r.rssProcessOverThread > 1;
  return v(
    all ? 'holds' : 'partly',
    `A thread slot is ready ${fmt(r.spawnProcessOverThread)}× sooner than a process slot (${fmt(l.modes.thread.spawnMs.median)} vs ${fmt(l.modes.process.spawnMs.median)} ms), stops ${fmt(r.stopProcessOverThread)}× sooner, and adds ${fmt(r.rssProcessOverThread)}× less resident memory (${fmt(l.modes.thread.rssPerSlotMb.median)} vs ${fmt(l.modes.process.rssPerSlotMb.median)} MB). ` +
      `The V8 heap itself is about the same in both (${fmt(l.modes.thread.heapUsedPerSlotMb.median)} vs ${fmt(l.modes.process.heapUsedPerSlotMb.median)} MB used, ${fmt(heap)}×): every slot is its own isolate either way; what a process adds is a second copy of the Node runtime, not a bigger heap. ` +
      `Most of a thread slot's start is loading the slot's modules, not creating the thread.`,
  );
}

/** Claim 2. */
function switching(sw) {
  const k = sw.slotCounts.at(-1);
  const r = sw.ratios;
  return v(
    r.roundTripProcessOverThread > 1 && r.throughputThreadOverProcessAtMaxSlots > 1 ? 'holds' : 'partly',
    `One agent → slot → agent round trip takes ${fmt(sw.roundTrip.thread.median)} µs on a thread and ${fmt(sw.roundTrip.process.median)} µs on a process (${fmt(r.roundTripProcessOverThread)}×). With ${k} slots on ${sw.cores} cores, threads complete ${fmt(r.throughputThreadOverProcessAtMaxSlots)}× as many round trips per second. ` +
      `The gap is mostly the transport (a pipe, a syscall and a V8 serialization per message for a process; an in-process queue for a thread), not the context switch as such. Cohort hides most of it by batching: a batch of 256 partitions costs one round trip.`,
  );
}

/** Claim 3. */
function sharedInput(si) {
  const n = si.ratios.slotsForRatios;
  const r = si.results[n];
  return v(
    'holds',
    `Handing ${si.inputMb} MB to ${n} slots: a SharedArrayBuffer takes ${fmt(r['thread-sab'].ms.median)} ms and adds ${fmt(Math.max(0, r['thread-sab'].addedMb.median))} MB; copying it to processes over IPC takes ${fmt(r['process-ipc'].ms.median)} ms (${fmt(si.ratios.ipcOverSabTime)}×) and adds ${fmt(r['process-ipc'].addedMb.median)} MB. ` +
      `Two caveats. A plain postMessage to a thread copies too (${fmt(r['thread-clone'].ms.median)} ms, +${fmt(r['thread-clone'].addedMb.median)} MB): threads share only what is put in a SharedArrayBuffer. And "transferred" moves one buffer to one slot; for ${n} slots it needs ${n} copies first (${fmt(r['thread-transfer'].ms.median)} ms). ` +
      `Processes reading the same file from the page cache (${fmt(r['process-file'].ms.median)} ms, +${fmt(r['process-file'].addedMb.median)} MB) are the arm's-length middle ground. Cohort's own shared input (a job's shared value, next section) takes the first way on thread slots and the file on process slots.`,
  );
}

/** Claim 4. */
function serialization(se) {
  const c = se.crossing;
  return v(
    'does not hold',
    `Threads serialize too: postMessage runs the structured-clone algorithm (V8's serializer) and copies. A small object costs ${fmt(se.codec.small['structured clone'].median)} µs to clone in process, ${fmt(se.codec.small['v8 serialize (IPC advanced)'].median)} µs through v8.serialize, ${fmt(se.codec.small['JSON (IPC json)'].median)} µs through JSON and ${fmt(se.codec.small['msgpackr (Cohort wire)'].median)} µs through msgpackr. ` +
      `What differs is the transport: one small message to a thread and back costs ${fmt(c.small['thread postMessage'].median)} µs, to a process ${fmt(c.small['process IPC advanced'].median)} µs with advanced serialization and ${fmt(c.small['process IPC json'].median)} µs with json. ` +
      `For 1 MB of binary: thread ${fmt(c['1MB']['thread postMessage'].median)} µs, process (advanced) ${fmt(c['1MB']['process IPC advanced'].median)} µs (${fmt(se.ratios.mbAdvancedOverThread)}×), process (json) ${fmt(c['1MB']['process IPC json'].median)} µs: JSON turns a Buffer into an array of numbers, ${fmt(se.ratios.mbJsonOverAdvanced)}× slower than advanced. Cohort's process slots use advanced serialization.`,
  );
}

/** Claim 5. */
function cpu(c) {
  const ratio = c.time.processes[2].median / c.time.threads[2].median;
  const same = Math.abs(ratio - 1) < 0.1;
  const eldT = c.eld.threads[2].p99.median;
  const eldP = c.eld.processes[2].p99.median;
  return v(
    same ? 'does not hold' : ratio < 1 ? 'partly' : 'does not hold',
    `On the same ${c.cores} cores, CPU-bound work is not faster in processes: 2 slots take ${fmt(c.time.threads[2].median)} ms on threads and ${fmt(c.time.processes[2].median)} ms on processes (process/thread ${fmt(ratio)}×); speedup against one slot is ${fmt(c.speedup.threads[2])}× and ${fmt(c.speedup.processes[2])}×, and more slots than cores add nothing (4 slots: ${fmt(c.speedup.threads[4])}× and ${fmt(c.speedup.processes[4])}×). Node's worker threads run JavaScript in parallel; there is no global lock to escape. ` +
      `Responsiveness is also the same: the agent's main-thread event-loop delay p99 is ${fmt(eldT)} ms with busy thread slots and ${fmt(eldP)} ms with busy process slots. What keeps the agent responsive is running tasks off its main thread at all: the same work inline gives a p99 of ${fmt(c.inline.eld.p99)} ms (max ${fmt(c.inline.eld.max)} ms).`,
  );
}

/** Claim 6. */
function agentLoss(a) {
  const off = a.slowdown.median / a.predicted.median - 1;
  return v(
    Math.abs(off) <= 0.05 && a.allCorrect ? 'holds' : off > 0.05 ? 'partly' : 'holds',
    `Losing 1 of 10 agents at ${fmt(a.runs[0].fraction * 100)}% slowed the job by ${fmt(a.slowdown.median)}× (${a.runs.length} runs, ${fmt(a.slowdown.min)}–${fmt(a.slowdown.max)}); capacity predicts ${fmt(a.predicted.median)}× (${fmt(off * 100, 2)}% off). The answer was ${a.allCorrect ? 'right every time' : 'WRONG in some run'}. ` +
      `A killed agent is detected by its socket closing, ${fmt(a.detectedMs.median)} ms after the SIGKILL, and its partitions go back to the queue at once. A hung agent (SIGSTOP, socket open) is detected by missed heartbeats after ${a.hang ? fmt(a.hang.detectedMs) : '–'} ms (timeout ${a.hang?.heartbeatTimeoutMs ?? 2000} ms). The 10% is the whole job only when the loss happens at the start; halfway, it is about 5%.`,
  );
}

/** Claim 7. */
function grid(g) {
  const near = g.cells.filter((c) => c.ratio <= 1.15);
  const far = g.cells.filter((c) => c.ratio >= 1.5);
  const name = (c) => `${c.us} µs × ${c.bytes} B`;
  return v(
    'partly',
    `The longer a partition runs, the closer the two: at ${g.runUs.at(-1) / 1000} ms per partition the thread/process ratios across payload sizes are ${g.cells
      .filter((c) => c.us === g.runUs.at(-1))
      .map((c) => `${fmt(c.ratio, 2)}×`)
      .join(', ')}. ` +
      `Processes caught up (ratio ≤ 1.15) in ${near.length} of ${g.cells.length} cells (${near.map(name).join('; ') || 'none'}); threads won by ≥ 1.5× in ${far.length} (${far.map(name).join('; ') || 'none'}): short partitions and large payloads, where the per-message transport cost is not hidden by the work.`,
  );
}

/** [claim, suite, verdict from the suite's figures]. */
const VERDICTS = [
  [1, 'lifecycle', lifecycle],
  [2, 'switching', switching],
  [3, 'shared-input', sharedInput],
  [4, 'serialization', serialization],
  [5, 'cpu', cpu],
  [6, 'agent-loss', agentLoss],
  [7, 'grid', grid],
];

export function verdicts(s) {
  const out = {};
  for (const [claim, suite, verdict] of VERDICTS) {
    const figures = s[suite];
    if (figures && !figures.error) out[claim] = verdict(figures);
  }
  return out;
}
