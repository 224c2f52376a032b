/** Issue 13: Dask distributed beside Cohort (bench/suites/t-peers.mjs), as target rows and as the report's side-by-side section. */
import { fmt, fmtSummary } from './stats.mjs';

const pct = (r) => `${fmt(r * 100)}%`;
const x = (r) => (Number.isFinite(r) ? `${fmt(r)}×` : '–');

/** A SIGSTOP figure: time to finished elsewhere, or "> bound, not rescheduled". */
function stopText(s, boundS) {
  if (!s) return '–';
  return s.rescheduled ? `${fmt(s.ms)} ms` : `> ${boundS ?? s.boundS} s, not rescheduled`;
}

/** Target rows (j): the three figures, Cohort against Dask, same run. */
export function peersTargets(p, out) {
  const { cohort, dask, ratios } = p;
  if (!dask.available) {
    out.push({
      id: 'j',
      what: 'peer: Dask distributed',
      value: `${dask.note}; Cohort alone: ${fmt(cohort.noop.rate.median)} no-op tasks/s on 2 × 1`,
      target: '–',
      pass: null,
    });
    return;
  }
  out.push({
    id: 'j',
    what: `peer: Dask ${dask.version}, ${cohort.noop.tasks.toLocaleString('en-US')} no-op tasks, 2 workers × 1 thread`,
    value: `Cohort ${fmtSummary(cohort.noop.rate)}; Dask ${fmtSummary(dask.noop.rate)}: Cohort/Dask ${x(ratios.noop)}`,
    target: '–',
    pass: null,
  });
  out.push({
    id: 'j',
    what: `peer: CPU-bound efficiency, ${cohort.cpu.partitions} × ~${cohort.cpu.targetMs} ms, T1/(2·T2), each against its own serial run`,
    value: `Cohort ${pct(cohort.cpu.efficiency)}; Dask ${pct(dask.cpu.efficiency)}: Cohort/Dask ${x(ratios.efficiency)}`,
    target: '–',
    pass: null,
  });
  out.push({
    id: 'j',
    what: `peer: SIGSTOP of a worker running a ${cohort.sigstop.taskMs} ms task → it has run elsewhere`,
    value: `Cohort ${stopText(cohort.sigstop)}; Dask ${stopText(dask.sigstop)} (default worker TTL), ${stopText(dask.sigstopTtl)} with worker-ttl 2s`,
    target: '–',
    pass: null,
  });
}

export function peersHeadline(p) {
  const { cohort, dask, ratios } = p;
  if (!dask.available) return `- Dask distributed: ${dask.note}.`;
  return `- Against Dask ${dask.version} on the same 2 workers × 1 thread, same run: ${x(ratios.noop)} its no-op rate (${fmt(cohort.noop.rate.median)} vs ${fmt(dask.noop.rate.median)} tasks/s), CPU-bound efficiency ${pct(cohort.cpu.efficiency)} vs ${pct(dask.cpu.efficiency)}, a SIGSTOPped worker's task done elsewhere after ${stopText(cohort.sigstop)} vs ${stopText(dask.sigstop)} (${stopText(dask.sigstopTtl)} with worker-ttl 2s).`;
}

const table = (rows) => ['| figure | Cohort | Dask | Cohort / Dask |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function rows(p) {
  const { cohort, dask, ratios } = p;
  const stopRatio = ratios.sigstop !== null ? x(ratios.sigstop) : ratios.sigstopUpper !== null ? `< ${x(ratios.sigstopUpper)}` : '–';
  return [
    [
      `no-op tasks/s, ${cohort.noop.tasks.toLocaleString('en-US')} tasks, client wall time`,
      fmtSummary(cohort.noop.rate),
      fmtSummary(dask.noop.rate),
      `**${x(ratios.noop)}**`,
    ],
    [
      `CPU-bound efficiency T1/(2·T2), ${cohort.cpu.partitions} × ~${cohort.cpu.targetMs} ms`,
      `${pct(cohort.cpu.efficiency)} (T1 ${fmtSummary(cohort.cpu.t1)}, T2 ${fmtSummary(cohort.cpu.t2)})`,
      `${pct(dask.cpu.efficiency)} (T1 ${fmtSummary(dask.cpu.t1)}, T2 ${fmtSummary(dask.cpu.t2)})`,
      `**${x(ratios.efficiency)}**`,
    ],
    [
      `SIGSTOP → the stopped worker's ${cohort.sigstop.taskMs} ms task finished elsewhere`,
      stopText(cohort.sigstop),
      `${stopText(dask.sigstop)} (default worker TTL 5 min)`,
      `**${stopRatio}** (time: lower is better)`,
    ],
    ['the same, Dask with worker-ttl 2s (Cohort: heartbeat timeout 2 s)', stopText(cohort.sigstop), stopText(dask.sigstopTtl), x(ratios.sigstopTtl)],
  ];
}

/** The report's section: method, the side-by-side table, and Piscina as the ceiling with no network. */
export function peersSection(p, scheduling) {
  const parts = ['## Cohort beside Dask distributed\n'];
  if (!p) return [...parts, 'Not measured in this run.\n'];
  if (p.error) return [...parts, `The measurement failed: \`${p.error}\`.\n`];
  parts.push(`**Measurement.** ${p.method}. Each figure is a median of 3 (min–max), both sides in the same run; ratios are Cohort / Dask.\n`);
  if (!p.dask.available)
    return [
      ...parts,
      `Dask distributed: ${p.dask.note}. Cohort alone: ${fmtSummary(p.cohort.noop.rate)} no-op tasks/s, efficiency ${pct(p.cohort.cpu.efficiency)}, SIGSTOP → done elsewhere ${stopText(p.cohort.sigstop)}.\n`,
    ];
  parts.push(
    `${table(rows(p))}\n`,
    `The CPU-bound work is the same prime sieve on each side, sized to the same ~${p.cohort.cpu.targetMs} ms per partition in each language (Python's range is narrower); each side's efficiency is against its own serial run (Dask: every partition pinned to one worker of the same cluster; Cohort: a 1-agent × 1-slot cluster), so the ratio compares scheduling, not languages. SIGSTOP: two tasks of ${p.cohort.sigstop.taskMs} ms, one per worker; ${250} ms in, the process running the second is stopped (its socket stays open), and the clock runs until both tasks have finished. Cohort notices the missed heartbeats and requeues (detected after ${p.cohort.sigstop.detectedMs ? `${fmt(p.cohort.sigstop.detectedMs)} ms` : '–'}); Dask's scheduler removes a silent worker after its worker TTL (5 minutes by default, checked every TTL), so within the ${p.boundS} s bound it ${p.dask.sigstop.rescheduled ? 'did' : 'did not'} reschedule.\n`,
  );
  const sc = scheduling && !scheduling.error ? scheduling : null;
  if (sc?.piscina)
    parts.push(
      `Piscina stays the ceiling with no network: ${fmtSummary(sc.piscina.rate)} no-op tasks/s on 2 threads in one process (scheduling suite, same run), where Cohort's 1 agent × 2 slots did ${fmtSummary(sc.noop.rate)}.\n`,
    );
  return parts;
}
