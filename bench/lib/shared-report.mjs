/** Issue 13: claim 3 measured through Cohort's own shared input (bench/suites/c3-cohort-shared.mjs): headline, section, charts. */
import path from 'node:path';
import { barSpec, MODE_COLORS, render } from './charts.mjs';
import { fmt, fmtSummary } from './stats.mjs';

const MODE = { threads: 'thread', processes: 'process' };
const LABEL = { threads: 'threads (one SharedArrayBuffer)', processes: 'processes (a copy per slot)' };

export function sharedHeadline(sc) {
  const t = sc.modes.threads;
  const p = sc.modes.processes;
  return `- Through Cohort's shared input, a ${sc.inputMb} MB job value to ${sc.slots} slots: first result after ${fmt(t.firstMs.median)} ms on threads (agent +${fmt(t.addedMb.median)} MB) against ${fmt(p.firstMs.median)} ms on processes (+${fmt(p.addedMb.median)} MB); ${fmt(t.wireMb.median)} MB crossed the wire either way, once per agent.`;
}

/** The two charts (time to first result and end, memory added), written under `dir`; returns their relative paths. */
async function sharedCharts(sc, dir) {
  const rows = [];
  const mem = [];
  for (const mode of ['threads', 'processes']) {
    const m = sc.modes[mode];
    for (const [what, s] of [
      ['first result', m.firstMs],
      ['job end', m.endMs],
    ])
      rows.push({ label: `${LABEL[mode]}: ${what}`, value: s.median, min: s.min, max: s.max, mode: MODE[mode], text: `${fmt(s.median)} ms` });
    mem.push({
      label: LABEL[mode],
      value: Math.max(0, m.addedMb.median),
      min: Math.max(0, m.addedMb.min),
      max: m.addedMb.max,
      mode: MODE[mode],
      text: `${fmt(m.addedMb.median)} MB`,
    });
  }
  const files = [];
  for (const [name, spec] of [
    [
      'c3-cohort-time',
      barSpec({
        title: `Claim 3 through Cohort: a ${sc.inputMb} MB shared value to ${sc.slots} slots`,
        subtitle: 'submission → first partition result, and → job end (value uploaded beforehand)',
        data: rows,
        unit: 'milliseconds',
        color: 'mode',
        colorScale: MODE_COLORS,
      }),
    ],
    [
      'c3-cohort-memory',
      barSpec({
        title: `Claim 3 through Cohort: agent memory the ${sc.inputMb} MB value added`,
        subtitle: 'RSS of the agent and its slot processes, peak during the job minus before',
        data: mem,
        unit: 'MB',
        color: 'mode',
        colorScale: MODE_COLORS,
      }),
    ],
  ]) {
    await render(spec, path.join(dir, `${name}.svg`));
    files.push(`charts/${name}.svg`);
  }
  return files;
}

export async function sharedSection(sc, docsDir) {
  const parts = ["## Claim 3 through Cohort's shared input\n"];
  if (!sc) return [...parts, 'Not measured in this run.\n'];
  if (sc.error) return [...parts, `The measurement failed: \`${sc.error}\`.\n`];
  parts.push(`**Measurement.** ${sc.method}.\n`);
  const t = sc.modes.threads;
  const p = sc.modes.processes;
  parts.push(
    [
      '| figure | threads | processes | processes / threads |',
      '|---|---|---|---|',
      `| submission → first result | ${fmtSummary(t.firstMs)} | ${fmtSummary(p.firstMs)} | ${fmt(sc.ratios.firstProcessOverThread)}× |`,
      `| submission → job end | ${fmtSummary(t.endMs)} | ${fmtSummary(p.endMs)} | ${fmt(p.endMs.median / t.endMs.median)}× |`,
      `| agent RSS added (peak) | ${fmtSummary(t.addedMb)} | ${fmtSummary(p.addedMb)} | ${fmt(sc.ratios.rssProcessOverThread)}× |`,
      `| bytes sent by the coordinator | ${fmtSummary(t.wireMb)} | ${fmtSummary(p.wireMb)} | ${fmt(p.wireMb.median / t.wireMb.median)}× |`,
      `| delivery (report) | ${JSON.stringify(t.delivery)} | ${JSON.stringify(p.delivery)} | |`,
    ].join('\n'),
    '',
  );
  for (const file of await sharedCharts(sc, path.join(docsDir, 'charts'))) parts.push(`![${path.basename(file, '.svg')}](${file})`);
  parts.push(
    '',
    `The value crosses the network once per agent in both modes (${fmt(sc.ratios.wireOverValueThreads)}× its size on threads, ${fmt(sc.ratios.wireOverValueProcesses)}× on processes, counting frame overhead and the small job's other frames). On the agent, thread slots read one SharedArrayBuffer with no copy; each process slot reads its own copy from a file the agent writes once, so memory grows with the slots, and the first result waits for the copies.\n`,
  );
  return parts;
}
