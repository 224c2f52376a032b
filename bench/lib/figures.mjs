/**
 * The headline figures of a result file, as rows for the console table and
 * the report: medians (with min–max where repeated) and same-run ratios; and
 * the pass/miss lines of the scheduling and scale targets.
 */
import { dataplaneTarget } from './dataplane-report.mjs';
import { peersTargets } from './peers-report.mjs';
import { scaleTargets } from './scale-report.mjs';
import { tlsTarget } from './tls-report.mjs';
import { fmt, fmtSummary } from './stats.mjs';

const x = (r) => (Number.isFinite(r) ? `${fmt(r)}×` : '–');

/** One function per suite, adding its rows; a suite that did not run or failed adds none. */
const FIGURE_ROWS = {
  lifecycle: lifecycleRows,
  switching: switchingRows,
  'shared-input': sharedInputRows,
  serialization: serializationRows,
  cpu: cpuRows,
  'agent-loss': agentLossRows,
  grid: gridRows,
};

export function figureRows(s) {
  const rows = [];
  const add = (claim, what, thread, proc, ratio) => rows.push({ claim, what, thread, process: proc, ratio });
  for (const [suite, rowsOf] of Object.entries(FIGURE_ROWS)) if (s[suite] && !s[suite].error) rowsOf(s[suite], add);
  return rows;
}

function lifecycleRows(l, add) {
  add(1, 'spawn → ready', fmtSummary(l.modes.thread.spawnMs), fmtSummary(l.modes.process.spawnMs), x(l.ratios.spawnProcessOverThread));
  add(1, 'stop → exit', fmtSummary(l.modes.thread.stopMs), fmtSummary(l.modes.process.stopMs), x(l.ratios.stopProcessOverThread));
  add(1, 'RSS per idle slot', fmtSummary(l.modes.thread.rssPerSlotMb), fmtSummary(l.modes.process.rssPerSlotMb), x(l.ratios.rssProcessOverThread));
  add(
    1,
    'V8 heap used per slot',
    fmtSummary(l.modes.thread.heapUsedPerSlotMb),
    fmtSummary(l.modes.process.heapUsedPerSlotMb),
    x(l.modes.process.heapUsedPerSlotMb.median / l.modes.thread.heapUsedPerSlotMb.median),
  );
}

function switchingRows(sw, add) {
  add(2, 'round trip, 1-partition batch', fmtSummary(sw.roundTrip.thread), fmtSummary(sw.roundTrip.process), x(sw.ratios.roundTripProcessOverThread));
  const k = sw.slotCounts.at(-1);
  add(
    2,
    `round trips/s, ${k} slots on ${sw.cores} cores`,
    fmtSummary(sw.throughput.thread[k]),
    fmtSummary(sw.throughput.process[k]),
    x(sw.ratios.throughputThreadOverProcessAtMaxSlots),
  );
}

function sharedInputRows(si, add) {
  const n = si.ratios.slotsForRatios;
  const r = si.results[n];
  add(3, `${si.inputMb} MB to ${n} slots: SAB vs IPC copy, time`, fmtSummary(r['thread-sab'].ms), fmtSummary(r['process-ipc'].ms), x(si.ratios.ipcOverSabTime));
  add(3, `${si.inputMb} MB to ${n} slots: SAB vs IPC copy, memory added`, fmtSummary(r['thread-sab'].addedMb), fmtSummary(r['process-ipc'].addedMb), '');
  add(
    3,
    `${si.inputMb} MB to ${n} slots: clone vs file read, time`,
    fmtSummary(r['thread-clone'].ms),
    fmtSummary(r['process-file'].ms),
    x(r['process-file'].ms.median / r['thread-clone'].ms.median),
  );
}

function serializationRows(se, add) {
  for (const p of ['small', '1MB']) {
    add(
      4,
      `one message, ${p}: postMessage vs IPC advanced`,
      fmtSummary(se.crossing[p]['thread postMessage']),
      fmtSummary(se.crossing[p]['process IPC advanced']),
      x(se.crossing[p]['process IPC advanced'].median / se.crossing[p]['thread postMessage'].median),
    );
    add(4, `one message, ${p}: IPC json`, '', fmtSummary(se.crossing[p]['process IPC json']), '');
  }
}

function cpuRows(c, add) {
  add(5, 'CPU-bound speedup, 2 slots vs 1', x(c.speedup.threads[2]), x(c.speedup.processes[2]), '');
  add(5, 'CPU-bound time, 2 slots', fmtSummary(c.time.threads[2]), fmtSummary(c.time.processes[2]), x(c.time.processes[2].median / c.time.threads[2].median));
  add(
    5,
    'agent event-loop delay p99, 2 busy slots',
    fmtSummary(c.eld.threads[2].p99),
    fmtSummary(c.eld.processes[2].p99),
    `inline: ${fmt(c.inline.eld.p99)} ms`,
  );
}

function agentLossRows(a, add) {
  add(6, 'slowdown losing 1 of 10 at 50%', fmtSummary(a.slowdown), `predicted ${fmt(a.predicted.median)}×`, x(a.ratios.measuredOverPredicted));
  add(6, 'detection: SIGKILL / SIGSTOP', fmtSummary(a.detectedMs), a.hang ? `${fmt(a.hang.detectedMs)} ms` : '–', '');
}

function gridRows(g, add) {
  for (const cell of g.cells.filter((c) => (c.us === 0 && c.bytes === 0) || (c.us === 10_000 && c.bytes === 0) || (c.us === 0 && c.bytes === 1048576))) {
    add(7, `partitions/s, run ${cell.us} µs, payload ${cell.bytes} B`, fmtSummary(cell.threads), fmtSummary(cell.processes), x(cell.ratio));
  }
}

/** The scheduling suite's targets: the no-op rate, CPU-bound efficiency, and the peers. */
function schedulingTargets(sc, out) {
  out.push({
    id: 'a',
    what: 'no-op partitions end to end, 1 coordinator + 1 agent × 2 slots',
    value: `${fmtSummary(sc.noop.rate)}`,
    target: '≥ 25,000/s',
    pass: sc.noop.pass,
  });
  out.push({
    id: 'b',
    what: `CPU-bound efficiency, 64 primes × ~${fmt(sc.primes.perPartitionMs)} ms, T1/(2·T2)`,
    value: `${fmt(sc.primes.efficiency * 100)}% (T1 ${fmtSummary(sc.primes.t1)}, T2 ${fmtSummary(sc.primes.t2)})${sc.primes.raw ? `; plain worker threads, same run: ${fmt(sc.primes.raw.efficiency * 100)}%` : ''}`,
    target: '≥ 97%',
    pass: sc.primes.pass,
  });
  out.push({
    id: 'e',
    what: 'peer: piscina no-op, 2 threads, no network',
    value: `${fmtSummary(sc.piscina.rate)}; Cohort/piscina ${fmt(sc.piscina.cohortOverPiscina)}×`,
    target: 'Cohort ≥ 0.6× piscina',
    pass: sc.piscina.cohortOverPiscina >= 0.6,
  });
  out.push({ id: 'e', what: 'peer: Dask distributed', value: sc.dask.note, target: '–', pass: null });
}

/** The shipping suite (issue 10): bundle + upload of a 1 MB task against its target, and what the first job of a new bundle costs. */
function shippingTargets(sh, out) {
  const mb = fmt(sh.bundleBytes / 1e6);
  out.push({
    id: 'g',
    what: `bundle + upload of a ${mb} MB task: from a fresh process (as cohort run); in a warm one (SDK)`,
    value: `${fmtSummary(sh.ship.coldShipMs)} (bundle ${fmt(sh.ship.coldBundleMs.median)} + upload ${fmt(sh.ship.uploadMs.median)}); ${fmtSummary(sh.ship.shipMs)}; with Node's start and the SDK's import: ${fmt(sh.ship.cliShipMs.median)} ms`,
    target: '< 1 s',
    pass: sh.pass,
  });
  out.push({
    id: 'g',
    what: `first job of a new ${mb} MB bundle, ${sh.agents} agents, caches warm with other bundles, ${sh.partitions} × ${sh.partitionMs} ms`,
    value: `first result ${fmt(sh.firstResultMs.first.median)} ms, job ${fmt(sh.jobMs.first.median)} ms; cached: ${fmt(sh.firstResultMs.warm.median)} ms, ${fmt(sh.jobMs.warm.median)} ms (+${fmt(sh.overhead.jobMs.median)} ms, ${x(sh.ratios.firstOverWarmJob)}); built-in sleep ${fmt(sh.jobMs.builtin.median)} ms`,
    target: '–',
    pass: null,
  });
}

/** The dashboard suite (issue 11): the no-op rate with a dashboard open, against none, in the same run. */
function dashboardTargets(db, out) {
  const pct = (r) => `${fmt(r * 100)}%`;
  out.push({
    id: 'h',
    what: `${db.partitions.toLocaleString('en-US')}-partition no-op job with one dashboard open vs none (medians of ${db.reps}, same run)`,
    value: `none ${fmtSummary(db.none.rate)}; stream reader ${pct(db.streamOverNone)}${db.browser ? `; chromium page ${pct(db.browserOverNone)}` : `; chromium page ${db.browserNote}`}${db.none.coordinatorCpu ? `; coordinator CPU per partition ${db.cases.map((k) => `${k} ${fmt(db[k].coordinatorCpu.median)} µs`).join(', ')}` : ''}`,
    target: '≥ 90% of none',
    pass: db.pass,
  });
}

/** The shipping suite's cases as rows: time to the first result and to the merged result, medians (min–max). */
export function shippingRows(sh) {
  const row = (what, c) => ({
    what,
    submitted: fmtSummary(sh.submittedMs[c]),
    first: fmtSummary(sh.firstResultMs[c]),
    all: fmtSummary(sh.allAgentsMs[c]),
    job: fmtSummary(sh.jobMs[c]),
    ratio: x(sh.jobMs[c].median / sh.jobMs.warm.median),
  });
  return [
    row('new bundle, first job (every agent fetches it)', 'first'),
    row('same bundle again (in every cache)', 'warm'),
    row('built-in `sleep`, same input and partitions', 'builtin'),
  ];
}

export function targetRows(s) {
  const rows = [];
  const sc = s.scheduling;
  if (sc && !sc.error) schedulingTargets(sc, rows);
  const sl = s.scale;
  if (sl && !sl.error) {
    rows.push({ id: 'c', what: 'coordinator RSS with 1,000,000 queued partitions', value: `${fmt(sl.rss1M)} MB`, target: '< 1 GB', pass: sl.rssPass });
    rows.push({
      id: 'c',
      what: 'time per partition 10k → 1M (submit; run), 1M / best smaller',
      value: `submit ${fmt(sl.submitFlatRatio)}×, run ${fmt(sl.runFlatRatio)}×`,
      target: '≤ 1.5× (flat)',
      pass: sl.flatPass,
    });
  }
  const ss = s.sessions;
  if (ss && !ss.error) {
    rows.push({
      id: 'd',
      what: `coordinator CPU with ${ss.sessions} agent sessions, heartbeats every ${ss.heartbeatMs} ms`,
      value: `${fmt(ss.cpuPercent)}% of one core; noop job ${ss.job.status} in ${ss.job.durationMs} ms`,
      target: '< 25%, job completes',
      pass: ss.pass,
    });
  }
  const rl = s.release;
  if (rl && !rl.error) {
    rows.push({
      id: 'f',
      what: `coordinator RSS after two ${rl.partitions.toLocaleString('en-US')}-partition no-op jobs (a finished job keeps its report only)`,
      value: `${fmt(rl.afterFirstMb)} MB, then ${fmt(rl.afterSecondMb)} MB (${fmt(rl.growth)}×; idle ${fmt(rl.idleRssMb)} MB)`,
      target: `≤ ${1.25}× after the second`,
      pass: rl.pass,
    });
  }
  const sh = s.shipping;
  if (sh && !sh.error) shippingTargets(sh, rows);
  const db = s.dashboard;
  if (db && !db.error) dashboardTargets(db, rows);
  const tl = s.tls;
  if (tl && !tl.error) tlsTarget(tl, rows);
  if (s.peers && !s.peers.error) peersTargets(s.peers, rows);
  if (s.dataplane && !s.dataplane.error) dataplaneTarget(s.dataplane, rows);
  scaleTargets(s, rows);
  for (const [name, r] of Object.entries(s)) if (r?.error) rows.push({ id: '!', what: `suite ${name} failed`, value: r.error, target: '', pass: false });
  return rows;
}

export function consoleTable(s) {
  const rows = figureRows(s);
  const w = (k, min) => Math.max(min, ...rows.map((r) => String(r[k]).length));
  const cols = [
    ['claim', 5],
    ['what', 10],
    ['thread', 8],
    ['process', 8],
    ['ratio', 5],
  ].map(([k, m]) => [k, w(k, m)]);
  const line = (r) => cols.map(([k, n]) => String(r[k]).padEnd(n)).join('  ');
  const out = [line(Object.fromEntries(cols.map(([k]) => [k, k]))), cols.map(([, n]) => '-'.repeat(n)).join('  '), ...rows.map(line)];
  out.push('', 'targets:');
  for (const t of targetRows(s)) out.push(`  ${t.pass === null ? 'info' : t.pass ? 'PASS' : 'MISS'} (${t.id}) ${t.what}: ${t.value}  [target ${t.target}]`);
  return out.join('\n');
}
