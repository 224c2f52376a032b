/**
 * Debian's chromium under playwright-core (no browser is downloaded:
 * scripts/install-browser.sh installs it). COHORT_CHROMIUM overrides the
 * path. Pages collect their console errors and uncaught exceptions, so a
 * test can assert that the dashboard ran clean (a CSP refusal is one).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.COHORT_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(import.meta.dirname, '../../test-results/screenshots');

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}: run scripts/install-browser.sh (or set COHORT_CHROMIUM)`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 20_000,
  });
}

/** Console errors and page errors seen on `page`. */
export function problems(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => seen.push(`page: ${e.message}`));
  return seen;
}

export async function screenshot(page: Page, name: string, path = join(SCREENSHOTS, `${name}.png`)): Promise<string> {
  await page.screenshot({ path, fullPage: true });
  return path;
}
