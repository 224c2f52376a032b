/** Issue 12: what TLS costs (bench/suites/t-tls.mjs), as a target row and as the report's side-by-side section. */
import { fmt, fmtSummary } from './stats.mjs';

const pct = (r) => `${fmt(r * 100)}%`;
const load = (l) => (l ? l.map((x) => fmt(x, 2)).join(' / ') : '–');

/** Target (i): TLS keeps at least 80% of the plain no-op rate, same run. */
export function tlsTarget(t, out) {
  out.push({
    id: 'i',
    what: `${t.noop.partitions.toLocaleString('en-US')}-partition no-op job with TLS (--tls auto, pinned) vs plain, ${t.noop.reps} alternating repetitions, same run`,
    value: `plain ${fmtSummary(t.noop.plain.rate)}; TLS ${fmtSummary(t.noop.tls.rate)}: ${pct(t.noop.rateRatio)} (per repetition: median ${pct(t.noop.perRepRatio.median)}); efficiency ${pct(t.primes.plain.efficiency)} plain, ${pct(t.primes.tls.efficiency)} TLS`,
    target: '≥ 80% of plain',
    pass: t.pass,
  });
}

export function tlsHeadline(t) {
  return `- TLS (--tls auto, pinned) keeps ${pct(t.noop.rateRatio)} of the plain no-op rate (${fmt(t.noop.tls.rate.median)} vs ${fmt(t.noop.plain.rate.median)} partitions/s) and ${pct(t.primes.efficiencyRatio)} of the plain CPU-bound efficiency.`;
}

const table = (rows) =>
  [
    '| figure | plain | TLS | TLS / plain |',
    '|---|---|---|---|',
    ...rows.map(([what, plain, tls, ratio]) => `| ${what} | ${plain} | ${tls} | ${ratio} |`),
  ].join('\n');

function rows(t) {
  const { noop, primes } = t;
  const x = (r) => `${fmt(r)}×`;
  return [
    [
      `no-op rate, ${noop.partitions.toLocaleString('en-US')} partitions, 1 agent × 2 thread slots`,
      fmtSummary(noop.plain.rate),
      fmtSummary(noop.tls.rate),
      `**${pct(noop.rateRatio)}** (per repetition ${fmtSummary({ ...noop.perRepRatio, unit: '×' })})`,
    ],
    ['coordinator CPU per no-op partition', fmtSummary(noop.plain.coordinatorCpu), fmtSummary(noop.tls.coordinatorCpu), x(noop.coordinatorCpuRatio)],
    ['agent CPU per no-op partition (its slots too)', fmtSummary(noop.plain.agentCpu), fmtSummary(noop.tls.agentCpu), x(noop.agentCpuRatio)],
    ['other work on the machine during the no-op jobs', fmtSummary(noop.plain.otherCores), fmtSummary(noop.tls.otherCores), ''],
    [
      `CPU-bound efficiency T1/(2·T2), 64 primes × ~${fmt(primes.plain.t1.median / 64)} ms`,
      pct(primes.plain.efficiency),
      pct(primes.tls.efficiency),
      x(primes.efficiencyRatio),
    ],
    ['T1, 1 slot', fmtSummary(primes.plain.t1), fmtSummary(primes.tls.t1), x(primes.tls.t1.median / primes.plain.t1.median)],
    ['T2, 2 slots', fmtSummary(primes.plain.t2), fmtSummary(primes.tls.t2), x(primes.t2Ratio)],
  ];
}

/** Read the ratios: on a machine busy with other work, the absolute figures are not comparable with those of other runs. */
function busyNote(t) {
  const other = Math.max(t.noop.plain.otherCores.median, t.noop.tls.otherCores.median);
  if (!(other >= 0.5)) return '';
  return `Other work took ${fmt(other, 2)} of the ${t.cores} cores while this ran: read the ratios TLS / plain and the CPU per partition, not the absolute rates, which are not comparable with target (a)'s (measured at another time). The CPU-bound efficiency needs both cores to itself, so here it measures the machine's load more than TLS; the CPU per no-op partition is the steadier figure of what TLS costs.\n`;
}

/** The report's section: method, the side-by-side table, the target met or missed. */
export function tlsSection(t) {
  const parts = ['## What TLS costs\n'];
  if (!t) return [...parts, 'Not measured in this run.\n'];
  if (t.error) return [...parts, `The measurement failed: \`${t.error}\`.\n`];
  const m = t.measured;
  parts.push(
    `**Measurement.** ${t.method}. Medians (min–max) of ${t.noop.reps} no-op and ${t.primes.reps} primes repetitions per mode${m ? `, run on ${m.date} at commit ${String(m.commit).slice(0, 10)}${m.dirty ? ' with uncommitted changes' : ''}` : ''}; load average ${load(t.loadavgAtStart)} at its start and ${load(t.loadavgAtEnd)} at its end, on ${t.cores} cores shared with other work ("other work" below is the machine's busy CPU less the cluster's and the bench's own, in cores). CPU times are each process's own (/proc), per partition.\n`,
    `${table(rows(t))}\n`,
    busyNote(t),
    `**Target: TLS keeps at least 80% of the plaintext no-op rate: ${t.pass ? 'met' : 'missed'}** (${pct(t.noop.rateRatio)}, the ratio of the medians). The agent's link carries partitions in batches (an \`assign\` frame holds the partitions of one scheduling turn, a \`results\` frame everything the slots finished in one turn), so TLS adds a record header and an AES-GCM pass per frame of thousands of partitions, not per partition.\n`,
  );
  return parts;
}
