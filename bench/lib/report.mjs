/** Regenerates docs/threads-vs-processes.md (and its charts) from one result file. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { charts } from './report-charts.mjs';
import { figureRows, shippingRows, targetRows } from './figures.mjs';
import { fmt, fmtSummary } from './stats.mjs';
import { dataplaneHeadline, dataplaneSection } from './dataplane-report.mjs';
import { peersHeadline, peersSection } from './peers-report.mjs';
import { scaleHeadlines, scaleSection } from './scale-report.mjs';
import { tlsHeadline, tlsSection } from './tls-report.mjs';
import { sharedHeadline, sharedSection } from './shared-report.mjs';
import { fairHeadline, fairSection } from './fair-report.mjs';
import { verdicts } from './verdicts.mjs';

const CLAIMS = {
  1: ['A thread costs less to create and to terminate than a process.', 'lifecycle', ['c1-lifecycle', 'c1-memory']],
  2: ['Switching between threads is cheaper than switching between processes.', 'switching', ['c2-roundtrip', 'c2-throughput']],
  3: ["Threads share memory, while processes share only at arm's length.", 'shared-input', ['c3-time', 'c3-memory']],
  4: ['Threads avoid serialization ("pickling"), while processes rely on it.', 'serialization', ['c4-small', 'c4-1mb']],
  5: ['Processes give more computing speed, and threads give more responsiveness.', 'cpu', ['c5-speedup', 'c5-eld']],
  6: ['With several processors, losing 1 of 10 costs about 10%, not everything.', 'agent-loss', ['c6-agent-loss']],
  7: ['The two perform "extremely similarly, depending on the application".', 'grid', ['c7-grid']],
};

const table = (rows, cols) =>
  [
    `| ${cols.map(([, h]) => h).join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${cols.map(([k]) => String(r[k] ?? '')).join(' | ')} |`),
  ].join('\n');

export function headline(results) {
  const s = results.suites;
  const m = results.machine;
  const lines = [];
  const l = s.lifecycle;
  const sc = s.scheduling;
  if (sc && !sc.error)
    lines.push(
      `- ${fmt(sc.noop.rate.median)} no-op partitions/s end to end (coordinator → WebSocket → agent → 2 slots → back); piscina with no network does ${fmt(sc.piscina.rate.median)}/s here.`,
    );
  if (sc && !sc.error)
    lines.push(
      `- CPU-bound efficiency on 2 slots: ${fmt(sc.primes.efficiency * 100)}% of ideal (64 primes partitions of ~${fmt(sc.primes.perPartitionMs)} ms); plain worker threads, the ceiling, ${fmt(sc.primes.raw.efficiency * 100)}% in the same run (each against its own 1-slot time, so either can pass 100% by noise).`,
    );
  if (l && !l.error)
    lines.push(
      `- A thread slot is ready in ${fmt(l.modes.thread.spawnMs.median)} ms, a process slot in ${fmt(l.modes.process.spawnMs.median)} ms; ${fmt(l.modes.thread.rssPerSlotMb.median)} vs ${fmt(l.modes.process.rssPerSlotMb.median)} MB RSS per slot.`,
    );
  const c = s.cpu;
  if (c && !c.error)
    lines.push(
      `- CPU-bound work is no faster on processes than on threads (2 slots: ${fmt(c.time.processes[2].median)} ms on processes, ${fmt(c.time.threads[2].median)} ms on threads).`,
    );
  const a = s['agent-loss'];
  if (a && !a.error)
    lines.push(
      `- Losing 1 of 10 agents halfway: ${fmt(a.slowdown.median)}× slower (predicted ${fmt(a.predicted.median)}×), detected in ${fmt(a.detectedMs.median)} ms.`,
    );
  const sl = s.scale;
  if (sl && !sl.error) lines.push(`- 1,000,000 queued partitions: coordinator RSS ${fmt(sl.rss1M)} MB.`);
  const ss = s.sessions;
  if (ss && !ss.error)
    lines.push(`- ${ss.sessions} agent sessions heartbeating every ${ss.heartbeatMs} ms: coordinator at ${fmt(ss.cpuPercent)}% of one core.`);
  const sh = s.shipping;
  if (sh && !sh.error)
    lines.push(
      `- A new ${fmt(sh.bundleBytes / 1e6)} MB task bundle: bundled and uploaded in ${fmt(sh.ship.coldShipMs.median)} ms from a fresh process; its first job on ${sh.agents} agents ends ${fmt(sh.overhead.jobMs.median)} ms later than the same job with the bundle cached (first result after ${fmt(sh.firstResultMs.first.median)} vs ${fmt(sh.firstResultMs.warm.median)} ms).`,
    );
  if (s.tls && !s.tls.error) lines.push(tlsHeadline(s.tls));
  if (s['shared-cohort'] && !s['shared-cohort'].error) lines.push(sharedHeadline(s['shared-cohort']));
  if (s.fair && !s.fair.error) lines.push(fairHeadline(s.fair));
  if (s.peers && !s.peers.error) lines.push(peersHeadline(s.peers));
  if (s.dataplane && !s.dataplane.error) lines.push(dataplaneHeadline(s.dataplane));
  lines.push(...scaleHeadlines(s));
  return `Measured with \`npm run bench${results.quick ? ' -- --quick' : ''}\` on ${m.cpus} × ${m.cpuModel}, ${fmt(m.memoryBytes / 2 ** 30)} GB, Node ${m.node} (${results.date}, commit ${m.commit.slice(0, 10)}${m.dirty ? ', uncommitted changes' : ''}):\n\n${lines.join('\n')}`;
}

export async function writeReport(results, docsDir) {
  const s = results.suites;
  const made = await charts(s, path.join(docsDir, 'charts'));
  const verdict = verdicts(s);
  const rows = figureRows(s);
  const parts = [reportHeader(results, verdict)];
  if (made['t-noop']) parts.push(`![no-op throughput](${made['t-noop']})\n`);
  for (const [n, [claim, suite, chartNames]] of Object.entries(CLAIMS)) {
    parts.push(...claimSection(n, claim, s[suite], chartNames, { rows, made, verdict }));
    if (n === '3') parts.push(...(await sharedSection(s['shared-cohort'], docsDir)));
  }
  parts.push(...shippingSection(s.shipping));
  parts.push(...tlsSection(s.tls));
  parts.push(...fairSection(s.fair));
  parts.push(...peersSection(s.peers, s.scheduling));
  parts.push(...dataplaneSection(s.dataplane));
  parts.push(...scaleSection(s));
  parts.push(HOW_TO_READ);
  const file = path.join(docsDir, 'threads-vs-processes.md');
  writeFileSync(file, parts.join('\n'));
  return { file, charts: Object.values(made) };
}

/** When the suites come from more than one run (`--only`, `--into`): which run measured which suites. */
function provenance(results) {
  const runs = new Map();
  for (const [name, r] of Object.entries(results.suites)) {
    const at = r.measured
      ? `${r.measured.date} at commit ${String(r.measured.commit).slice(0, 10)}${r.measured.dirty ? ' (uncommitted changes)' : ''}`
      : 'an earlier run';
    runs.set(at, [...(runs.get(at) ?? []), name]);
  }
  if (runs.size < 2) return '';
  return ` This report merges ${runs.size} runs: ${[...runs].map(([at, names]) => `${at} (${names.join(', ')})`).join('; ')}.`;
}

/** The report's opening: machine, headline figures, verdicts and targets. */
function reportHeader(results, verdict) {
  const s = results.suites;
  const m = results.machine;
  return `# Threads or processes? Measured, not claimed

*Generated by \`npm run bench${results.quick ? ' -- --quick' : ''}\` (bench/run.mjs) on ${results.date}; do not edit by hand. Raw samples: \`${results.file}\`.*

Machine: ${m.cpus} × ${m.cpuModel}, ${fmt(m.memoryBytes / 2 ** 30)} GB RAM, ${m.platform}, Node ${m.node} (V8 ${m.v8}), commit \`${m.commit.slice(0, 12)}\`${m.dirty ? ' with uncommitted changes' : ''}.${provenance(results)} ${results.quick ? 'This was a **quick** run: fewer repetitions, smaller grids; read ratios, not absolute times.' : 'Full run.'} The machine was shared with other work while this ran; every figure is a median (with min–max when repeated), and every comparison is a ratio within the same run.

## Headline figures

${headline(results)}

## Verdicts at a glance

${table(
  Object.entries(CLAIMS).map(([n, [claim]]) => ({ n, claim, verdict: verdict[n] ? `**${verdict[n].verdict}**` : 'not measured' })),
  [
    ['n', '#'],
    ['claim', 'claim'],
    ['verdict', 'verdict'],
  ],
)}

## Scheduling and scale targets

${table(
  targetRows(s).map((t) => ({ ...t, result: t.pass === null ? 'info' : t.pass ? '**pass**' : '**miss**' })),
  [
    ['id', ''],
    ['what', 'target'],
    ['value', 'measured'],
    ['target', 'goal'],
    ['result', ''],
  ],
)}
`;
}

/** One claim's section: its method, figures, charts and verdict (and the grid's table for claim 7). */
function claimSection(n, claim, r, chartNames, { rows, made, verdict }) {
  const parts = [`## Claim ${n}: ${claim}\n`];
  if (!r) return [...parts, 'Not measured in this run.\n'];
  if (r.error) return [...parts, `The measurement failed: \`${r.error}\`.\n`];
  parts.push(`**Measurement.** ${r.method}.\n`);
  const mine = rows.filter((row) => String(row.claim) === n);
  if (mine.length)
    parts.push(
      `${table(mine, [
        ['what', 'figure'],
        ['thread', 'thread'],
        ['process', 'process'],
        ['ratio', 'ratio'],
      ])}\n`,
    );
  for (const c of chartNames) if (made[c]) parts.push(`![${c}](${made[c]})`);
  parts.push('');
  if (verdict[n]) parts.push(`**Verdict: ${verdict[n].verdict}.** ${verdict[n].text}\n`);
  if (n === '7' && r.cells) parts.push(`${gridTable(r.cells)}\n`);
  return parts;
}

/** Issue 10: what shipping a task costs, case by case. */
function shippingSection(sh) {
  const parts = ['## Shipping a task bundle\n'];
  if (!sh) return [...parts, 'Not measured in this run.\n'];
  if (sh.error) return [...parts, `The measurement failed: \`${sh.error}\`.\n`];
  const { ship, coldCluster: c0 } = sh;
  parts.push(
    `**Measurement.** ${sh.method}${sh.measured ? ` (run on ${sh.measured.date} at commit ${sh.measured.commit.slice(0, 10)}${sh.measured.dirty ? ' with uncommitted changes' : ''}, load average ${sh.measured.loadavgAtStart.map((l) => fmt(l, 2)).join(' / ')} at its start${sh.loadavgAtEnd ? `, ${sh.loadavgAtEnd.map((l) => fmt(l, 2)).join(' / ')} at its end` : ''}, on ${sh.cores} cores)` : ''}. Times are client side, from the submission; "submitted" is the coordinator's answer (it has loaded the task, importing a new bundle from its store, and split the input). Ratios are against the same bundle cached, in the same repetition set.\n`,
    `${table(shippingRows(sh), [
      ['what', 'job'],
      ['submitted', 'submitted'],
      ['first', 'first result'],
      ['all', 'every agent has answered'],
      ['job', 'merged result'],
      ['ratio', 'vs cached'],
    ])}\n`,
    `Bundling ${fmt(sh.bundleBytes / 1e6)} MB and uploading it, from a fresh process as \`cohort run\` does: ${fmtSummary(ship.coldShipMs)} (medians: bundleTask ${fmt(ship.coldBundleMs.median)} ms, esbuild's service starting on this first build; upload ${fmt(ship.uploadMs.median)} ms). Before that the process starts and imports the SDK (${fmt(ship.sdkImportMs.median)} ms); counting everything up to the upload's end: ${fmtSummary(ship.cliShipMs)}. In a process that has bundled before (an SDK program submitting again), bundleTask takes ${fmtSummary(ship.bundleMs)}, and shipTask (bundle + upload) ${fmtSummary(ship.shipMs)}.\n`,
    `The first job of a new bundle took ${fmt(sh.overhead.jobMs.median)} ms longer than the same job cached (its first result ${fmt(sh.overhead.firstResultMs.median)} ms later; medians of the per-repetition differences); ${fmt(sh.submittedMs.first.median - sh.submittedMs.warm.median)} ms of it before the submission was answered (the coordinator imports the bundle for split), the rest on the agents: fetching it over their connection, verifying its hash, caching it, importing it in the slot. ${sh.everyAgentFetched ? `In every repetition no agent had the bundle before its first job and all ${sh.agents} had it after.` : 'In some repetition not every agent fetched the bundle (see the result file).'} Repetition 0, on empty caches (the cluster's first bundle ever): first result after ${fmt(c0.firstResultMs)} ms, job ${fmt(c0.jobMs)} ms; the same bundle again ${fmt(c0.warmJobMs)} ms.\n`,
  );
  return parts;
}

function gridTable(cells) {
  return table(
    cells.map((c) => ({
      cell: `${c.us} µs × ${c.bytes} B`,
      n: c.partitions,
      t: fmt(c.threads.median),
      p: fmt(c.processes.median),
      ratio: `${fmt(c.ratio)}×`,
    })),
    [
      ['cell', 'run × payload'],
      ['n', 'partitions'],
      ['t', 'thread partitions/s'],
      ['p', 'process partitions/s'],
      ['ratio', 'thread/process'],
    ],
  );
}

const HOW_TO_READ = `## How to read and rerun

- \`npm run bench\` (full, under 20 minutes) or \`npm run bench -- --quick\` (under 3 minutes); \`-- --only NAME[,NAME]\` runs some suites (${['lifecycle', 'switching', 'shared-input', 'serialization', 'cpu', 'agent-loss', 'grid', 'scheduling', 'scale', 'sessions', 'release', 'shipping', 'dashboard', 'tls', 'shared-cohort', 'fair', 'peers', 'dataplane'].join(', ')}) and merges them into today's result file.
- Micro-benchmarks (round trips, codecs) use tinybench: warm-up, then as many samples as fit in the time budget, median reported. Cluster runs are repeated (3× full, fewer in quick) and reported as median and min–max.
- Claims 1, 2, 5 and 7 use Cohort's own slot runtimes and SlotPool; claim 3 first measures the five ways to hand over an input with raw Worker / fork and the same flags, then the same question through Cohort's own shared input (a real coordinator and agent); claim 4 measures the codecs and transports directly; claim 6 and the targets run real coordinator and agent processes on loopback. The 1,000-session test uses a minimal protocol client (real hello / heartbeat / results frames through the shared codec, no SlotPool): 1,000 real agents would start 1,000 worker threads on 2 cores.
`;
