/**
 * Pushes noop partitions through a SlotPool (the agent's engine, from the
 * package's `@cohort/agent/slots` export) and prints partitions/s.
 *
 *   npx tsc -b && node bench/pool-throughput.mjs [count]
 *
 * Scenarios: 2 thread slots, 2 process slots, and an auto pool of 2 slots
 * running a thread job and a process job at once. "all at once" submits every
 * partition in one call; "windowed" keeps at most WINDOW partitions in the
 * pool, as the coordinator's credit does.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@cohort/shared';
import { SlotPool } from '@cohort/agent/slots';

const WINDOW = 4096;
const here = path.dirname(fileURLToPath(import.meta.url));
const noop = path.resolve(here, 'tasks', 'noop.mjs');

/** The items of one job's assign batches ({p, a, input}, as on the wire). */
function makeItems(count) {
  const out = new Array(count);
  for (let p = 0; p < count; p++) out[p] = { p, a: 0, input: p };
  return out;
}

const header = (jobId, isolation) => ({ jobId, task: noop, isolation, timeoutMs: 0 });

async function run(mode, jobs, count, windowed) {
  const per = Math.floor(count / jobs.length);
  const total = per * jobs.length;
  const pending = jobs.map(([jobId, isolation]) => ({ job: header(jobId, isolation), items: makeItems(per) }));
  let done = 0;
  let failed = 0;
  let submitted = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const feed = () => {
    while (submitted < total && (!windowed || submitted - done < WINDOW)) {
      const chunk = Math.min(windowed ? WINDOW - (submitted - done) : total, total - submitted, 1024);
      for (let j = 0; j < pending.length; j++) {
        const from = Math.floor(submitted / pending.length);
        pool.submit({ ...pending[j].job, items: pending[j].items.slice(from, from + Math.ceil(chunk / pending.length)) });
      }
      submitted += Math.ceil(chunk / pending.length) * pending.length;
    }
  };
  const pool = new SlotPool({
    slots: 2,
    mode,
    tasksDirs: [path.dirname(noop)],
    logger: silentLogger,
    events: {
      onResults(_jobId, items) {
        done += items.length;
        for (const item of items) if (!item.ok) failed++;
        if (done >= total) finish();
        else if (windowed) feed();
      },
      onStarted() {},
      onModeChange() {},
    },
  });
  await pool.start();
  // Warm up: teach the pool that noop is short, and start the slots of the other kind.
  const warm = new Promise((resolve) => {
    let left = jobs.length * 4;
    const events = pool.options.events;
    const real = events.onResults;
    events.onResults = (_j, items) => {
      left -= items.length;
      if (left <= 0) {
        events.onResults = real;
        resolve();
      }
    };
  });
  for (const [, isolation] of jobs) pool.submit({ ...header('warm', isolation), items: makeItems(4) });
  await warm;
  const t0 = performance.now();
  feed();
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await pool.stop();
  if (failed > 0) throw new Error(`${failed} partitions failed`);
  return total / seconds;
}

const count = Number(process.argv[2] ?? 200_000);
const scenarios = [
  ['2 thread slots', 'threads', [['j', 'auto']]],
  ['2 process slots', 'processes', [['j', 'auto']]],
  [
    'auto, thread + process jobs',
    'auto',
    [
      ['t', 'thread'],
      ['p', 'process'],
    ],
  ],
];
for (const [name, mode, jobs] of scenarios) {
  for (const windowed of [false, true]) {
    const rate = await run(mode, jobs, count, windowed);
    console.log(
      `${name.padEnd(30)} ${windowed ? `windowed ${WINDOW}` : 'all at once  '}  ${count} partitions  ${Math.round(rate).toLocaleString('en-US')} partitions/s`,
    );
  }
}
