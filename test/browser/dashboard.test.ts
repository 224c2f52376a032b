/**
 * The dashboard in a real browser (Debian's chromium, playwright-core)
 * against a real coordinator and 3 agents, as processes on loopback with a
 * generated token. One cluster for the file; the tests run in order and
 * follow one story: log in, watch a job, kill an agent, cancel the job.
 * Screenshots go to test-results/screenshots/.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startLocalCluster, type LocalCluster } from '@cohort/cli';
import { agents, waitFor } from '../helpers/cluster.js';
import { launch, problems, screenshot } from './browser.js';

const VIEWPORT = { width: 1440, height: 960 };
/**
 * Slow enough to watch, kill and cancel in the middle: 400 × 150 ms on 6
 * slots, then 4. COHORT_DOCS_SCREENSHOT=1 runs a longer job and kills later,
 * so that the chart shows the rate before and after: docs/dashboard.png.
 */
const DOCS = process.env.COHORT_DOCS_SCREENSHOT === '1';
const JOB = { task: 'sleep', input: { ms: 150 }, partitions: DOCS ? 900 : 400 };
const KILL_AT_DONE = DOCS ? 300 : 60;
const AFTER_KILL_MS = DOCS ? 8000 : 3500;

// The few DOM shapes the page functions below touch (the test project has no DOM lib).
type Dataset = { dataset: Record<string, string | undefined> };
type Canvas = {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
};

let c: LocalCluster;
let api: ApiClient;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let seen: string[] = [];
let jobId = '';

beforeAll(async () => {
  [c, browser] = await Promise.all([startLocalCluster({ agents: agents(3, 'threads', 2) }), launch()]);
  const url = new URL(c.url);
  base = `http://${url.host}`;
  api = new ApiClient({ url: c.url, token: c.token });
});

afterAll(async () => {
  await browser?.close();
  await c?.stop();
});

describe('dashboard', () => {
  it('gives a browser without the cookie the login page, not data', async () => {
    const stranger = await browser.newContext({ viewport: VIEWPORT });
    const p = await stranger.newPage();
    const answer = await p.goto(`${base}/`);
    expect(answer?.headers()['content-security-policy']).toContain("default-src 'self'");
    await p.waitForSelector('input[name="token"]');
    expect(await p.locator('#agents').count()).toBe(0);
    const status = await p.evaluate(async () => (await fetch('/api/dashboard')).status);
    expect(status).toBe(401);
    await screenshot(p, 'login');
    await stranger.close();
  });

  it('answers a wrong token with the login page, 401 and no cookie', async () => {
    const stranger = await browser.newContext({ viewport: VIEWPORT });
    const p = await stranger.newPage();
    const answer = await p.goto(`${base}/?token=not-the-token`);
    expect(answer?.status()).toBe(401);
    await p.waitForSelector('.login-error');
    expect(await stranger.cookies()).toEqual([]);
    expect(await p.content()).not.toContain('not-the-token');
    await screenshot(p, 'login-wrong-token');
    await stranger.close();
  });

  it('logs in with /?token=: an HttpOnly cookie is set, the token leaves the URL, and 3 agents are live', async () => {
    context = await browser.newContext({ viewport: VIEWPORT });
    page = await context.newPage();
    seen = problems(page);
    await page.goto(`${base}/?token=${encodeURIComponent(c.token)}`);
    expect(page.url()).toBe(`${base}/`);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: `cohort_session_${new URL(base).port}`, httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookies[0]!.value).not.toContain(c.token);
    expect(await page.evaluate('document.cookie')).toBe(''); // HttpOnly: out of the page's reach
    await page.waitForSelector('#conn.conn-live', { timeout: 5000 });
    await waitFor('3 ready agents on the page', async () => (await page.locator('#agents tbody tr[data-state="ready"]').count()) === 3, 5000);
    const names = await page.locator('#agents tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as Dataset).dataset.agent).sort());
    expect(names).toEqual(c.agents.map((a) => a.name).sort());
  });

  it("shows a running job's progress bar advance, and its job view", async () => {
    jobId = (await api.submit(JOB)).jobId;
    const bar = page.locator(`#jobs tr[data-job="${jobId}"] .progress`);
    await bar.waitFor({ timeout: 5000 });
    const doneOf = async () => Number(await bar.getAttribute('data-done'));
    const first = await doneOf();
    await waitFor('the progress bar to advance', async () => (await doneOf()) >= first + 12, 10_000);
    const width = await bar
      .locator('.seg-done')
      .evaluate((e) => (e as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width);
    expect(width).toBeGreaterThan(0);
    await page.locator(`#jobs tr[data-job="${jobId}"] td:nth-child(3)`).click();
    await page.waitForSelector('#job-view:not([hidden])');
    await waitFor('per-agent shares in the job view', async () => (await page.locator('#job-shares tbody tr').count()) === 3, 5000);
    const painted = await page.locator('#job-grid').evaluate((canvas) => {
      const c2 = canvas as unknown as Canvas;
      const data = c2.getContext('2d').getImageData(0, 0, c2.width, c2.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(100);
    await screenshot(page, 'job-running');
  });

  it('shows a SIGKILLed agent as lost within 1 s: the table, the feed and a marker on the throughput chart', async () => {
    await waitFor('the job well under way', async () => (await api.report(jobId)).done >= KILL_AT_DONE, 20_000);
    const victim = c.agents[1]!;
    victim.kill('SIGKILL');
    const killedAt = performance.now();
    const row = page.locator(`#agents tr.row-lost[data-agent="${victim.name}"]`);
    await row.waitFor({ timeout: 1000 });
    const lostWithinMs = performance.now() - killedAt;
    expect(await row.locator('.badge').textContent()).toBe('lost');
    const feed = page.locator(`#feed .feed-item[data-agent="${victim.name}"]`, { hasText: /lost|dead/ });
    await feed.first().waitFor({ timeout: Math.max(1, 1000 - (performance.now() - killedAt)) });
    await page.waitForSelector('#throughput[data-markers-lost="1"]', { timeout: Math.max(1, 1000 - (performance.now() - killedAt)) });
    expect(lostWithinMs).toBeLessThan(1000);
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // a few seconds on the survivors: the dip and the marker in the chart, the requeued bars in the stream
    await page.waitForTimeout(AFTER_KILL_MS);
    expect((await api.report(jobId)).status).toBe('running');
    const path = await screenshot(page, 'agent-killed');
    if (DOCS) copyFileSync(path, join(import.meta.dirname, '../../docs/dashboard.png'));
  });

  it('cancels a job from the page (two clicks); the coordinator reports it cancelled', async () => {
    const button = page.locator(`#jobs tr[data-job="${jobId}"] button.btn-danger`);
    await button.click();
    expect(await button.textContent()).toBe('Confirm');
    await button.click();
    await waitFor('the job cancelled', async () => (await api.report(jobId)).status === 'cancelled', 5000);
    await page.waitForSelector(`#jobs tr[data-job="${jobId}"][data-status="cancelled"]`, { timeout: 2000 });
    await screenshot(page, 'job-cancelled');
    expect(seen).toEqual([]);
  });

  it('says "disconnected" when the coordinator goes away', async () => {
    await c.coordinator.stop();
    await page.waitForSelector('#conn.conn-disconnected', { timeout: 5000 });
    await screenshot(page, 'disconnected');
  });
});
