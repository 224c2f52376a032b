/**
 * Target (h), issue 11 acceptance 2: what an open dashboard costs the
 * coordinator. One coordinator and one agent with 2 thread slots (real
 * processes on loopback, as target (a)), 1,000,000-partition no-op jobs,
 * rate = partitions / report.durationMs. Each repetition runs the job once
 * per case, in a rotating order so that drifting load hits every case alike:
 *  - none: nobody watches the dashboard;
 *  - stream: one client reads /api/dashboard/events for the whole job and
 *    parses every event (the coordinator's whole share of a dashboard);
 *  - browser: one real page (Debian's chromium, headless, through
 *    playwright-core) is open on the dashboard for the whole job, when
 *    chromium is installed. On a 2-core machine the browser's own rendering
 *    competes with the coordinator and the agent for the same cores, so
 *    this case measures the machine as much as the coordinator.
 * Beside the rate, the coordinator's own CPU time per partition (from
 * /proc): what the dashboard costs the coordinator, apart from what the
 * browser or the bench client take from the machine's cores.
 * Every watched run checks the dashboard stayed live: the stream reader got
 * at least one update per 500 ms of the job, and the page redrew the job's
 * progress bar as often.
 */
import { existsSync } from 'node:fs';
import { runJob, startLocalCluster } from '@cohort/cli';
import { cpuSeconds } from '../lib/proc.mjs';
import { summary } from '../lib/stats.mjs';

export const DASHBOARD_TARGET = 0.9;
const CHROMIUM = '/usr/bin/chromium';
const UPDATE_MS = 250;

function httpBase(url) {
  const u = new URL(url);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.origin;
}

/** Read the dashboard stream until `stop()`; counts its events and bytes, and parses each. */
function streamWatcher(base, token) {
  const abort = new AbortController();
  const seen = { events: 0, updates: 0, bytes: 0, agents: 0 };
  const done = (async () => {
    const res = await fetch(`${base}/api/dashboard/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    if (res.status !== 200) throw new Error(`dashboard stream answered ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      seen.bytes += chunk.byteLength;
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (data) {
          const parsed = JSON.parse(data);
          seen.events++;
          if (block.includes('event: update')) seen.updates++;
          seen.agents = parsed.agents?.length ?? seen.agents;
        }
        end = buffer.indexOf('\n\n');
      }
    }
  })().catch((err) => {
    if (err.name !== 'AbortError') throw err;
  });
  return {
    seen,
    async stop() {
      abort.abort();
      await done;
      return seen;
    },
  };
}

/** One page open on the dashboard, logged in with the token; counts the stream's events it received. */
async function browserWatcher(browser, base, token) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/?token=${encodeURIComponent(token)}`, { waitUntil: 'load', timeout: 20_000 });
  // What the page drew: each change of a job's done count on a progress bar (the page's one stream, not a second one).
  await page.evaluate(() => {
    window.__benchUpdates = 0;
    const observer = new MutationObserver((records) => {
      if (records.some((r) => r.attributeName === 'data-done')) window.__benchUpdates++;
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-done'], subtree: true });
  });
  return {
    async stop() {
      const updates = await page.evaluate(() => window.__benchUpdates);
      await page.close();
      return { updates };
    },
  };
}

async function launchBrowser(log) {
  if (!existsSync(CHROMIUM)) return { note: `not measured: ${CHROMIUM} is missing (scripts/install-browser.sh installs it)` };
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return { note: 'not measured: playwright-core is not installed' };
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  log('  browser: chromium via playwright-core');
  return { browser };
}

async function timedJob(c, partitions) {
  const report = await runJob({ url: c.url, token: c.token, task: 'noop', partitions });
  if (report.status !== 'succeeded' || report.result !== partitions) throw new Error(`noop job ended ${report.status} with ${report.result}`);
  return report.durationMs;
}

async function runCase(c, name, partitions, ctx) {
  const base = httpBase(c.url);
  let watcher;
  if (name === 'stream') watcher = streamWatcher(base, c.token);
  if (name === 'browser') watcher = await browserWatcher(ctx.browser, base, c.token);
  const cpu0 = cpuSeconds(c.coordinator.pid);
  const durationMs = await timedJob(c, partitions);
  const cpu1 = cpuSeconds(c.coordinator.pid);
  const cpuUsPerPartition = ((cpu1 - cpu0) * 1e6) / partitions;
  const seen = watcher ? await watcher.stop() : undefined;
  if (seen && seen.updates < Math.floor(durationMs / (2 * UPDATE_MS))) {
    throw new Error(`the ${name} dashboard got ${seen.updates} updates in a ${durationMs} ms job: not live`);
  }
  return { durationMs, rate: partitions / (durationMs / 1000), updates: seen?.updates, cpuUsPerPartition };
}

export default {
  name: 'dashboard',
  target: true,
  async run({ quick, log }) {
    const partitions = 1_000_000;
    const reps = quick ? 3 : 9;
    const { browser, note } = await launchBrowser(log);
    const cases = browser ? ['none', 'stream', 'browser'] : ['none', 'stream'];
    const c = await startLocalCluster({ agents: [{ name: 'noop-agent', mode: 'threads', slots: 2 }] });
    const samples = Object.fromEntries(cases.map((k) => [k, { rate: [], durationMs: [], updates: [], cpu: [] }]));
    try {
      await timedJob(c, 50_000); // warm: slots loaded, run time learned
      for (let i = 0; i < reps; i++) {
        const order = cases.map((_, j) => cases[(i + j) % cases.length]);
        for (const name of order) {
          const r = await runCase(c, name, partitions, { browser });
          samples[name].rate.push(r.rate);
          samples[name].durationMs.push(r.durationMs);
          if (r.updates !== undefined) samples[name].updates.push(r.updates);
          if (r.cpuUsPerPartition !== undefined) samples[name].cpu.push(r.cpuUsPerPartition);
        }
      }
    } finally {
      await c.stop();
      await browser?.close();
    }
    const out = { partitions, reps, cases, browserNote: note ?? null };
    for (const k of cases) {
      out[k] = { rate: summary(samples[k].rate, 'partitions/s'), durationMs: summary(samples[k].durationMs, 'ms') };
      if (samples[k].updates.length) out[k].updates = summary(samples[k].updates, 'updates');
      if (samples[k].cpu.length) out[k].coordinatorCpu = summary(samples[k].cpu, 'µs/partition');
    }
    out.streamOverNone = out.stream.rate.median / out.none.rate.median;
    if (out.browser) out.browserOverNone = out.browser.rate.median / out.none.rate.median;
    // The coordinator's own CPU per partition: what a dashboard costs it, apart from what the machine's other work takes.
    if (out.none.coordinatorCpu) for (const k of cases) out[k].cpuOverNone = out[k].coordinatorCpu.median / out.none.coordinatorCpu.median;
    out.target = DASHBOARD_TARGET;
    out.pass = out.streamOverNone >= DASHBOARD_TARGET && (out.browserOverNone ?? 1) >= DASHBOARD_TARGET;
    const pct = (r) => `${(r * 100).toFixed(1)}%`;
    const cpu = (k) => (out[k].coordinatorCpu ? `, coordinator ${out[k].coordinatorCpu.median.toFixed(2)} µs CPU/partition` : '');
    log(`  coordinator CPU per partition: ${cases.map((k) => `${k}${cpu(k)}`).join('; ')}`);
    log(
      `  (h) 1M no-op: none ${Math.round(out.none.rate.median).toLocaleString('en-US')}/s; stream open ${pct(out.streamOverNone)} of it${out.browser ? `; browser open ${pct(out.browserOverNone)}` : `; browser ${note}`}`,
    );
    return out;
  },
};
