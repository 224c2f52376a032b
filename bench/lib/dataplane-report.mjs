/** Issue 13: the data plane (bench/suites/t-dataplane.mjs), as a target row and as the report's section. */
import { fmt, fmtSummary } from './stats.mjs';

const pct = (r) => `${fmt(r * 100)}%`;

/** Target (k): Cohort's MB/s end to end against a raw ws echo over loopback, same run. */
export function dataplaneTarget(d, out) {
  out.push({
    id: 'k',
    what: `data plane: ${d.partitions} × 1 MB in + 1 MB out through coordinator → agent → slot, vs raw ws echo, same run`,
    value: `Cohort ${fmtSummary(d.cohort)}; raw echo ${fmtSummary(d.echo)}: ${pct(d.ratio)}`,
    target: '≥ 50% of the raw echo',
    pass: d.pass,
  });
}

export function dataplaneHeadline(d) {
  return `- Data plane: 1 MB binary partitions in and out at ${fmt(d.cohort.median)} MB/s end to end, ${pct(d.ratio)} of a raw \`ws\` echo over loopback (${fmt(d.echo.median)} MB/s) in the same run.`;
}

/** The report's section. */
export function dataplaneSection(d) {
  const parts = ['## The data plane: 1 MB partitions in and out\n'];
  if (!d) return [...parts, 'Not measured in this run.\n'];
  if (d.error) return [...parts, `The measurement failed: \`${d.error}\`.\n`];
  parts.push(
    `**Measurement.** ${d.method}. MB/s counts the bytes both ways (input + result), MiB per second of wall time.\n`,
    [
      '| figure | value |',
      '|---|---|',
      `| Cohort, end to end | ${fmtSummary(d.cohort)} |`,
      `| raw \`ws\` echo, same bytes, ${d.window} in flight | ${fmtSummary(d.echo)} |`,
      `| Cohort / raw echo | **${pct(d.ratio)}** (per repetition ${d.perRep.map(pct).join(', ')}) |`,
      `| coordinator CPU per MB moved | ${fmtSummary(d.coordinatorCpuMsPerMB)} |`,
      `| agent CPU per MB moved (its slots too) | ${fmtSummary(d.agentCpuMsPerMB)} |`,
    ].join('\n'),
    '',
    `**Target: at least 50% of the raw echo: ${d.pass ? 'met' : 'missed'}.** The raw echo is one WebSocket between two processes; Cohort's path adds the split on the coordinator, msgpack framing of each assign and results batch, and the copy into and out of the thread slot.\n`,
  );
  return parts;
}
