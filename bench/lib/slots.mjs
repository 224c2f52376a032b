/**
 * Driving Cohort's real slot runtimes and pool from a bench, without an agent:
 * ThreadRuntime / ProcessRuntime (one slot, spawn → `ready` → batches → stop)
 * and SlotPool (the agent's engine). Imported from the built agent package's
 * `@cohort/agent/slots` export.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeValue, encode, silentLogger } from '@cohort/shared';
import { DEFAULT_HEAP_LIMIT_MB, ProcessRuntime, SlotPool, ThreadRuntime } from '@cohort/agent/slots';

export { DEFAULT_HEAP_LIMIT_MB };
const here = path.dirname(fileURLToPath(import.meta.url));
export const TASK_MEM = path.resolve(here, '..', 'tasks', 'mem.mjs');
export const TASK_WORK = path.resolve(here, '..', 'tasks', 'work.mjs');
/** The bench's own tasks: the one directory its slots trust (besides the built-in tasks). */
const TASKS_DIRS = [path.resolve(here, '..', 'tasks')];
/** The most bytes one result may take in a slot (no coordinator frame limit here). */
const MAX_RESULT_BYTES = 64 * 1024 * 1024;

/**
 * One runtime with a promise-based `run(task, inputs)`: posts one batch and
 * resolves with the values when the slot reports the batch done.
 */
export function runtime(mode, heapLimitMb = DEFAULT_HEAP_LIMIT_MB) {
  let waiting;
  let values = [];
  let exited;
  const exit = new Promise((resolve) => (exited = resolve));
  const handlers = {
    onMessage(m) {
      if (m.t !== 'results') return;
      // A chunk carries its results encoded back to back; `ends[i]` closes the i-th.
      for (let i = 0, start = 0; i < m.ends.length; start = m.ends[i++])
        values.push(m.ends[i] > start ? decodeValue(m.values.subarray(start, m.ends[i])) : undefined);
      if (m.failed?.length) {
        const w = waiting;
        waiting = undefined;
        return w?.reject(new Error(`slot batch failed: ${JSON.stringify(m.failed[0][1])}`));
      }
      if (m.done) {
        const w = waiting;
        const v = values;
        waiting = undefined;
        values = [];
        w?.resolve(v);
      }
    },
    onExit(info) {
      exited(info);
      waiting?.reject(new Error(`slot exited: ${JSON.stringify(info)}`));
    },
  };
  const options = { heapLimitMb, tasksDirs: TASKS_DIRS, handlers };
  const rt = mode === 'thread' ? new ThreadRuntime(options) : new ProcessRuntime(options);
  let seq = 0;
  return {
    rt,
    exit,
    start: () => rt.start(),
    stop: () => rt.stop(),
    get pid() {
      return rt.pid;
    },
    run(task, inputs) {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        const n = inputs.length;
        const ps = new Array(n);
        const as = new Array(n).fill(1);
        for (let i = 0; i < n; i++) ps[i] = seq++;
        rt.send({ t: 'run', jobId: 'bench', task, ps, as, inputs: encode(inputs), maxBytes: MAX_RESULT_BYTES });
      });
    },
  };
}

/**
 * A started SlotPool and a `run(work)` that submits partitions and resolves
 * when every result is in (rejects on the first failed one).
 */
export async function pool(mode, slots, heapLimitMb = DEFAULT_HEAP_LIMIT_MB) {
  let left = 0;
  let done;
  let failed;
  const p = new SlotPool({
    slots,
    mode,
    heapLimitMb,
    tasksDirs: TASKS_DIRS,
    logger: silentLogger,
    events: {
      onResults(_jobId, items) {
        for (const it of items) if (!it.ok) failed ??= it.error;
        left -= items.length;
        if (left <= 0 && done) {
          const d = done;
          done = undefined;
          d();
        }
      },
      onStarted() {},
      onModeChange() {},
    },
  });
  await p.start();
  let job = 0;
  return {
    pool: p,
    async run(task, inputs, isolation = 'auto') {
      const jobId = `bench-${job++}`;
      left = inputs.length;
      failed = undefined;
      const finished = new Promise((resolve) => (done = resolve));
      p.submit({ jobId, task, isolation, timeoutMs: 0, items: inputs.map((input, i) => ({ p: i, a: 1, input })) });
      await finished;
      if (failed) throw new Error(`partition failed: ${failed.code} ${failed.message}`);
    },
    stop: () => p.stop(),
  };
}
