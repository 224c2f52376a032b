/**
 * Watchers that never read cannot grow the coordinator without bound: 50
 * raw SSE watchers (cluster events and a busy job's progress) are paused
 * while a job with many partitions runs and a raw agent floods
 * `mode-change` frames (each one a broadcast cluster event). The
 * coordinator's RSS stays bounded, a concurrent job gets the right answer,
 * and a watcher that fell too far behind ends with SLOW_CONSUMER.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { runJob } from '@cohort/cli';
import { encode, parseStreamError } from '@cohort/shared';
import { PRIMES_1E7, agents, cluster, hello, rawSocket, waitFor } from '../helpers/cluster.js';
import { alive, portOf } from '../helpers/raw-http.js';

const WATCHERS = 50;
const FLOODERS = 40;
const FRAMES_PER_FLOODER = 1000;
const FLOOD_MS = 30_000;
/** The unbounded streams grew over 200 MB in this drill; bounded, about 35 MB. */
const MAX_GROWTH_BYTES = 120 * 1024 * 1024;

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

interface PausedWatcher {
  socket: net.Socket;
  text: () => string;
}

function pausedWatcher(port: number, path: string, token: string): Promise<PausedWatcher> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.once('error', reject);
    socket.on('data', (d: string) => (text += d));
    socket.once('data', () => {
      socket.pause(); // from now on it reads nothing
      resolve({ socket, text: () => text });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`);
  });
}

describe('slow watchers', () => {
  it('bounds what 50 non-reading watchers cost while a flood of broadcasts runs, and a concurrent job is right', async () => {
    const c = await cluster(agents(2, 'threads'));
    const port = portOf(c.url);
    const pid = c.coordinator.pid;
    const busy = await c.api.submit({ task: 'noop', partitions: 5_000 });
    const watchers = await Promise.all(
      Array.from({ length: WATCHERS }, (_, i) => pausedWatcher(port, i % 2 === 0 ? '/api/events' : `/api/jobs/${busy.jobId}/events`, c.token)),
    );
    const before = rssBytes(pid);

    // Flooders stay under the per-session mode-change cap (RATES.modeChangesPerSession), so that the
    // flood is the same whether or not that cap closes a session: many sessions, each one within it.
    let peak = before;
    let frames = 0;
    const sample = () => (peak = Math.max(peak, rssBytes(pid)));
    const job = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 16 });
    const deadline = Date.now() + FLOOD_MS;
    for (let f = 0; f < FLOODERS && Date.now() < deadline; f++) {
      const flooder = rawSocket(c.url, c.token);
      await flooder.opened;
      flooder.ws.send(hello({ name: `flooder-${f}` }));
      let open = true;
      void flooder.closed.then(() => (open = false));
      for (let i = 0; i < FRAMES_PER_FLOODER && open; i++) {
        flooder.ws.send(encode({ type: 'mode-change', task: `flood-${i % 16}-${'t'.repeat(200)}`, mode: 'process', why: 'escalated-after-crash' }));
        frames++;
        if (i % 250 === 249) {
          sample();
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      flooder.ws.close();
    }
    sample();
    const report = await job;
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(PRIMES_1E7.expected);
    sample();
    expect(alive(pid)).toBe(true);
    console.info(`slow watchers: ${frames} mode-change frames sent; RSS ${(before / 2 ** 20).toFixed(0)} MB → peak ${(peak / 2 ** 20).toFixed(0)} MB`);
    expect(peak - before).toBeLessThan(MAX_GROWTH_BYTES);

    // The watchers read again: each one's stream is intact SSE, and any error it got is SLOW_CONSUMER.
    for (const w of watchers) w.socket.resume();
    await waitFor(
      'the watchers to catch up',
      async () => {
        const before = watchers.map((w) => w.text().length);
        await new Promise((r) => setTimeout(r, 300));
        return watchers.every((w, i) => w.text().length === before[i]) ? true : undefined;
      },
      30_000,
    );
    let slow = 0;
    for (const [i, w] of watchers.entries()) {
      expect(w.text().startsWith('HTTP/1.1 200')).toBe(true);
      const errors = [...w.text().matchAll(/event: error\ndata: (.*)\n/g)].map((m) => parseStreamError(JSON.parse(m[1]!)).code);
      expect(errors.every((code) => code === 'SLOW_CONSUMER')).toBe(true);
      slow += errors.length;
      // A cluster watcher that was not dropped got the flood, coalesced: the escalations arrived.
      if (i % 2 === 0 && errors.length === 0) expect(w.text()).toContain('"kind":"mode-escalated"');
    }
    console.info(`slow watchers: ${slow} of ${WATCHERS} dropped with SLOW_CONSUMER`);
    for (const w of watchers) w.socket.destroy();
    const health = await fetch(`${c.api.base}/healthz`);
    expect(health.status).toBe(200);
  });
});
