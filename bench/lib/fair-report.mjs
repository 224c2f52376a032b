/** Issue 13: fair share between jobs, before (fifo) and after (fair), from bench/suites/t-fair.mjs, as the report's section. */
import { fmt, fmtSummary } from './stats.mjs';

const load = (l) => (l ? l.map((x) => fmt(x, 2)).join(' / ') : '–');

const table = (rows) =>
  [
    '| figure | fifo (before) | fair (after) | fair / fifo |',
    '|---|---|---|---|',
    ...rows.map(([what, fifo, fair, ratio]) => `| ${what} | ${fifo} | ${fair} | ${ratio} |`),
  ].join('\n');

/** The report's section: method, the before/after table, the target met or missed. */
export function fairSection(f) {
  const parts = ['## Fair share between jobs\n'];
  if (!f) return [...parts, 'Not measured in this run.\n'];
  if (f.error) return [...parts, `The measurement failed: \`${f.error}\`.\n`];
  const m = f.measured;
  const x = (r) => `${fmt(r)}×`;
  parts.push(
    `**Measurement.** ${f.method}. Medians (min–max) of ${f.reps} repetitions${m ? `, run on ${m.date} at commit ${String(m.commit).slice(0, 10)}${m.dirty ? ' with uncommitted changes' : ''}` : ''}; load average ${load(f.loadavgAtStart)} at its start and ${load(f.loadavgAtEnd)} at its end, on ${f.cores} cores.\n`,
    `${table([
      [
        `small job (${f.small} × ${f.partitionMs} ms) submitted 1 s into the big one: submit to end`,
        fmtSummary(f.fifo.smallMs),
        fmtSummary(f.fair.smallMs),
        `**${x(f.fair.smallMs.median / f.fifo.smallMs.median)}**`,
      ],
      [`big job (${f.big} × ${f.partitionMs} ms on ${f.slots} slots): total time`, fmtSummary(f.fifo.bigMs), fmtSummary(f.fair.bigMs), x(f.bigRatio)],
    ])}\n`,
    `**Target: the small job ends in under ${fmt(f.target)} ms with fair share: ${f.pass ? 'met' : 'missed'}** (${fmt(f.fair.smallMs.median)} ms, ${fmt(f.smallSpeedup)}× sooner than first come, first served). Fair share gives each agent's free credit first to the jobs that hold less than their share (weighted by \`priority\`), then round robin; the agent's queue takes the jobs in turns. The small job still waits for the prefetched partitions of the big one (an agent holds one queued partition per slot beyond the running ones), which is most of what is left of its latency.\n`,
  );
  return parts;
}

export function fairHeadline(f) {
  return `- Fair share: a ${f.small}-partition job submitted 1 s into a ${f.big} × ${f.partitionMs} ms job on ${f.slots} slots ends ${fmt(f.fair.smallMs.median)} ms after its submission, against ${fmt(f.fifo.smallMs.median)} ms first come, first served (same run); the big job takes ${fmt(f.bigRatio)}× as long.`;
}
