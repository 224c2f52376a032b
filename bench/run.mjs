/**
 * `npm run bench [-- --quick] [-- --only NAME[,NAME]] [-- --into FILE]`: runs
 * the suites, writes bench/results/<date>-<host>.json (every sample and the
 * machine; with --only, merged into that file if it exists; with --into,
 * merged into FILE, an earlier result file, instead),
 * prints medians and ratios with the targets' pass/miss lines, and
 * regenerates docs/threads-vs-processes.md with its charts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine } from './lib/machine.mjs';
import { consoleTable } from './lib/figures.mjs';
import { writeReport } from './lib/report.mjs';

const SUITES = [
  'c1-lifecycle',
  'c2-switching',
  'c3-shared-input',
  'c3-cohort-shared',
  'c4-serialization',
  'c5-cpu',
  'c6-agent-loss',
  'c7-grid',
  't-scheduling',
  't-peers',
  't-dataplane',
  't-scale',
  't-sessions',
  't-release',
  't-shipping',
  't-dashboard',
  't-tls',
  't-fair',
];
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-report': { type: 'boolean', default: false },
    'report-only': { type: 'string' },
    into: { type: 'string' },
  },
  strict: true,
});
const only = values.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const log = (line) => process.stdout.write(`${line}\n`);
if (!globalThis.gc) log('note: run with --expose-gc (npm run bench does) for steadier memory figures');

if (values['report-only']) {
  // Regenerate the report and charts from a result file, without measuring.
  const saved = JSON.parse(readFileSync(path.resolve(values['report-only']), 'utf8'));
  log(consoleTable(saved.suites));
  const report = await writeReport(saved, path.join(root, 'docs'));
  log(`report: ${path.relative(root, report.file)} (${report.charts.length} charts)`);
  process.exit(0);
}

const m = machine();
const date = new Date().toISOString().slice(0, 10);
const rel = values.into ? path.relative(root, path.resolve(values.into)) : `bench/results/${date}-${m.hostname}.json`;
const file = path.join(root, rel);
let results = { date, file: rel, quick: values.quick, machine: m, suites: {}, timings: {} };
if ((only || values.into) && existsSync(file)) {
  const previous = JSON.parse(readFileSync(file, 'utf8'));
  // The suites already there keep where they were measured; the file's machine becomes this run's.
  const pm = previous.machine ?? {};
  for (const r of Object.values(previous.suites ?? {}))
    r.measured ??= { date: previous.date, commit: pm.commit, dirty: pm.dirty, loadavgAtStart: pm.loadavgAtStart };
  results = { ...previous, machine: m, quick: previous.quick && values.quick, suites: previous.suites, timings: previous.timings ?? {} };
}

/** When and where a suite ran: a merged result file holds suites from several runs. */
function measured(m) {
  return { date: new Date().toISOString().slice(0, 10), commit: m.commit, dirty: m.dirty, loadavgAtStart: os.loadavg() };
}

const started = performance.now();
for (const id of SUITES) {
  const suite = (await import(`./suites/${id}.mjs`)).default;
  if (only && !only.includes(suite.name) && !only.includes(id) && !only.includes(`c${suite.claim}`)) continue;
  log(`▶ ${suite.name}${suite.claim ? ` (claim ${suite.claim})` : ' (targets)'}`);
  const t0 = performance.now();
  const at = measured(m);
  try {
    results.suites[suite.name] = { ...(await suite.run({ quick: values.quick, log })), quick: values.quick, measured: at };
  } catch (err) {
    log(`  FAILED: ${err.stack ?? err}`);
    results.suites[suite.name] = { error: String(err.message ?? err), quick: values.quick, measured: at };
  }
  results.timings[suite.name] = (performance.now() - t0) / 1000;
  log(`  (${results.timings[suite.name].toFixed(1)} s)`);
}
results.totalSeconds = (performance.now() - started) / 1000;

mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(results, null, 1));
log(`\n${consoleTable(results.suites)}\n`);
log(`results: ${rel}`);
if (!values['no-report']) {
  const report = await writeReport(results, path.join(root, 'docs'));
  log(`report: ${path.relative(root, report.file)} (${report.charts.length} charts)`);
}
log(`bench took ${results.totalSeconds.toFixed(0)} s`);
const failed = Object.values(results.suites).some((r) => r.error);
process.exit(failed ? 1 : 0);
