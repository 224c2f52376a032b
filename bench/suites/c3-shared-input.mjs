/**
 * Claim 3: threads share memory; processes share only at arm's length. A
 * 64 MB read-only input handed to N slots, five ways, with raw Worker /
 * fork and Cohort's flags (heap limit, advanced serialization), so that the
 * ways can be compared side by side (c3-cohort-shared.mjs measures the one
 * Cohort takes, through a real coordinator and agent): time from the first hand-over to the last slot's ack (each
 * slot reads every page), and the memory the input added (RSS of the agent
 * process plus its children, after minus before).
 */
import { fork } from 'node:child_process';
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MB, rssBytes } from '../lib/proc.mjs';
import { DEFAULT_HEAP_LIMIT_MB } from '../lib/slots.mjs';
import { summary } from '../lib/stats.mjs';

const SLOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'input-slot.mjs');

export const VARIANTS = {
  'thread-sab': { mode: 'thread', label: 'threads: SharedArrayBuffer' },
  'thread-transfer': { mode: 'thread', label: 'threads: transferred (a copy per slot)' },
  'thread-clone': { mode: 'thread', label: 'threads: postMessage (clone)' },
  'process-ipc': { mode: 'process', label: 'processes: IPC copy (advanced)' },
  'process-file': { mode: 'process', label: 'processes: read a file (page cache)' },
};

function spawnSlot(mode) {
  if (mode === 'thread') {
    const w = new Worker(SLOT, { resourceLimits: { maxOldGenerationSizeMb: DEFAULT_HEAP_LIMIT_MB } });
    const next = () => new Promise((resolve) => w.once('message', resolve));
    return { pid: undefined, ready: next(), send: (m, transfer) => w.postMessage(m, transfer ?? []), next, stop: () => w.terminate() };
  }
  const c = fork(SLOT, [], {
    execArgv: [`--max-old-space-size=${DEFAULT_HEAP_LIMIT_MB}`],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () => new Promise((resolve) => c.once('message', resolve));
  return {
    pid: c.pid,
    ready: next(),
    send: (m) => c.send(m),
    next,
    stop: () =>
      new Promise((resolve) => {
        if (c.exitCode !== null) return resolve();
        c.once('exit', resolve);
        c.kill('SIGKILL');
      }),
  };
}

function totalRss(slots) {
  return rssBytes(process.pid) + slots.reduce((a, s) => a + (s.pid ? rssBytes(s.pid) : 0), 0);
}

async function once(variant, n, bytes, file) {
  const { mode } = VARIANTS[variant];
  // The source input exists before the baseline: only what handing it over adds is counted.
  const source = variant === 'thread-sab' ? new SharedArrayBuffer(bytes) : variant === 'process-file' ? null : new ArrayBuffer(bytes);
  if (source) new Uint8Array(source).fill(7);
  const slots = Array.from({ length: n }, () => spawnSlot(mode));
  await Promise.all(slots.map((s) => s.ready));
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const before = totalRss(slots);
  const t0 = performance.now();
  const acks = slots.map((s) => s.next());
  for (const s of slots) {
    if (variant === 'thread-sab' || variant === 'thread-clone') s.send({ data: source });
    else if (variant === 'thread-transfer') {
      const copy = source.slice(0);
      s.send({ data: copy }, [copy]);
    } else if (variant === 'process-ipc') s.send({ data: Buffer.from(source) });
    else s.send({ path: file });
  }
  const results = await Promise.all(acks);
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 50));
  const added = (totalRss(slots) - before) / MB;
  if (results.some((r) => r.length !== bytes)) throw new Error(`${variant}: a slot got the wrong input`);
  await Promise.all(slots.map((s) => s.stop()));
  return { ms, addedMb: added };
}

export default {
  name: 'shared-input',
  claim: 3,
  async run({ quick, log }) {
    const bytes = 64 * MB;
    const ns = quick ? [2] : [1, 2, 4];
    const reps = quick ? 2 : 3;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-bench-'));
    const file = path.join(dir, 'input.bin');
    writeFileSync(file, Buffer.alloc(bytes, 7));
    const out = {
      method:
        'raw Worker / fork with Cohort slot flags: the five ways, side by side (Cohort itself uses the SharedArrayBuffer on threads and the file on processes; measured through Cohort in the next section)',
      inputMb: bytes / MB,
      slotCounts: ns,
      variants: VARIANTS,
      results: {},
    };
    try {
      for (const n of ns) {
        out.results[n] = {};
        for (const v of Object.keys(VARIANTS)) {
          const runs = [];
          for (let i = 0; i < reps; i++) runs.push(await once(v, n, bytes, file));
          out.results[n][v] = {
            ms: summary(
              runs.map((r) => r.ms),
              'ms',
            ),
            addedMb: summary(
              runs.map((r) => r.addedMb),
              'MB',
            ),
          };
          log(`  N=${n} ${v.padEnd(16)} ${out.results[n][v].ms.median.toFixed(1)} ms, +${out.results[n][v].addedMb.median.toFixed(0)} MB`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = out.results[ns.at(-1)];
    out.ratios = {
      slotsForRatios: ns.at(-1),
      ipcOverSabTime: r['process-ipc'].ms.median / r['thread-sab'].ms.median,
      cloneOverSabTime: r['thread-clone'].ms.median / r['thread-sab'].ms.median,
    };
    return out;
  },
};
