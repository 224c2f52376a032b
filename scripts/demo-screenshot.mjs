#!/usr/bin/env node
/**
 * `node scripts/demo-screenshot.mjs [out.png]`: runs `cohort demo` as a
 * newcomer would, opens the dashboard address it prints in Debian's
 * chromium (playwright-core; scripts/install-browser.sh installs it) while
 * the job runs, and once the demo has printed its verdict takes a
 * screenshot of the page: the agent lost, the partitions requeued, the
 * throughput before and after. Default output: docs/demo-dashboard.png.
 * The demo is started with --hold-ms so that its cluster stays up for the
 * screenshot, and is stopped (SIGINT, as Ctrl-C) by its own pid afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'demo-dashboard.png'));
const CHROMIUM = process.env.COHORT_CHROMIUM ?? '/usr/bin/chromium';
const WAIT_MS = 120_000;

if (!existsSync(CHROMIUM)) {
  console.error(`no chromium at ${CHROMIUM}: run scripts/install-browser.sh (or set COHORT_CHROMIUM)`);
  process.exit(2);
}

const demo = spawn(process.execPath, [path.join(root, 'packages/cli/bin/cohort.mjs'), 'demo', '--hold-ms', '60000'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
const waiters = [];
demo.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
  for (const w of [...waiters]) w();
});

/** Resolves with the first match of `re` in the demo's output; bounded by WAIT_MS. */
function outputMatch(re) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not print ${re} within ${WAIT_MS} ms`)), WAIT_MS);
    const check = () => {
      const m = re.exec(output);
      if (!m) return;
      clearTimeout(timer);
      waiters.splice(waiters.indexOf(check), 1);
      resolve(m);
    };
    waiters.push(check);
    check();
  });
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  timeout: 20_000,
});
try {
  const [, url] = await outputMatch(/dashboard: (http:\/\/\S+)/);
  const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
  const [verdict] = await outputMatch(/result \d+ — (correct|WRONG)/);
  // Two more throughput samples after the end, and the page's next redraws.
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out });
  console.log(`screenshot: ${path.relative(root, out)} (${verdict})`);
} finally {
  await browser.close();
  demo.kill('SIGINT');
}
const code = await new Promise((resolve) => demo.once('exit', (c) => resolve(c)));
process.exit(code ?? 1);
