/** EventStreams over a real HTTP server on loopback, with raw sockets that read or do not. */
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreams, type EventStreamLimits } from './sse.js';

let server: Server | undefined;
let streams: EventStreams | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  streams?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Results of job j_1 for `/results` streams: pushed by the test, read by index. */
const accepted: unknown[] = [];

async function start(limits: Partial<EventStreamLimits>): Promise<{ streams: EventStreams; port: number }> {
  streams = new EventStreams(limits);
  const s = streams;
  accepted.length = 0;
  server = createServer((req, res) => {
    if (req.url === '/results') s.open(res, 'j_1', (i) => accepted[i]);
    else s.open(res, req.url === '/job' ? 'j_1' : undefined);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { streams: s, port: (server!.address() as AddressInfo).port };
}

function watcher(port: number, path: string, reading: boolean): { text: () => string; socket: net.Socket } {
  const socket = net.connect({ port, host: '127.0.0.1' });
  sockets.push(socket);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  if (!reading) socket.once('data', () => socket.pause());
  return { text: () => text, socket };
}

const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('EventStreams bounds', () => {
  it('drops a watcher that does not read with a final SLOW_CONSUMER event, and keeps serving one that does', async () => {
    const { streams, port } = await start({ softBytes: 16 * 1024, hardBytes: 256 * 1024, clusterBudget: 1_000_000 });
    const slow = watcher(port, '/events', false);
    const fast = watcher(port, '/events', true);
    await until('two watchers', () => streams.size === 2 && slow.text().length > 0);
    const big = 'x'.repeat(4096);
    for (let i = 0; i < 5000 && streams.slowDropped === 0; i++) {
      streams.sendAll('cluster', { kind: 'agent-joined', agentId: `a_${i}`, pad: big });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(streams.slowDropped).toBe(1);
    expect(streams.size).toBe(1);
    slow.socket.resume();
    await until('the final event', () => slow.text().includes('event: error'));
    expect(slow.text()).toContain('"code":"SLOW_CONSUMER"');
    streams.sendAll('cluster', { kind: 'agent-lost', agentId: 'a_last' });
    await until('the fast watcher to see the last event', () => fast.text().includes('a_last'));
  });

  it('holds progress back from a watcher that is behind, and sends only the latest once it drains', async () => {
    const { streams, port } = await start({ intervalMs: 20, softBytes: 1024, hardBytes: 64 * 1024 * 1024, clusterBudget: 1_000_000 });
    const slow = watcher(port, '/job', false);
    await until('the watcher', () => streams.size === 1 && slow.text().length > 0);
    // Fill its buffer past the soft bound with cluster events it does not read.
    for (let i = 0; i < 2000; i++) streams.sendAll('cluster', { kind: 'agent-joined', agentId: `a_${i}`, pad: 'y'.repeat(2048) });
    for (let n = 1; n <= 20; n++) {
      streams.progress('j_1', () => ({ done: n }));
      await new Promise((r) => setTimeout(r, 30));
    }
    slow.socket.resume();
    await until('the latest progress', () => slow.text().includes('{"done":20}'));
    const progressEvents = slow.text().split('event: progress').length - 1;
    expect(progressEvents).toBeLessThan(20);
  });

  it('coalesces a flood of one cluster event: the budget per interval, then the latest of each kind', async () => {
    const { streams, port } = await start({ intervalMs: 50, clusterBudget: 8 });
    const w = watcher(port, '/events', true);
    await until('the watcher', () => streams.size === 1 && w.text().length > 0);
    for (let i = 0; i < 100_000; i++) streams.sendAll('cluster', { kind: 'mode-escalated', agentId: 'a_1', task: 'flood', seq: i });
    await until('the latest', () => w.text().includes('"seq":99999'), 5000);
    const sent = w.text().split('event: cluster').length - 1;
    expect(sent).toBeLessThanOrEqual(9);
    expect(streams.clusterDropped).toBe(0);
  });

  it('never drops a result stream for reading slowly: every result once, in order, then the end', async () => {
    const { streams, port } = await start({ intervalMs: 20, softBytes: 8 * 1024, hardBytes: 64 * 1024 });
    const slow = watcher(port, '/results', false);
    await until('the watcher', () => streams.size === 1 && slow.text().length > 0);
    const total = 3000;
    for (let i = 0; i < total; i++) {
      accepted.push({ index: i, pad: 'z'.repeat(200) });
      streams.resultsReady('j_1');
      if (i % 100 === 0) streams.sendAll('cluster', { kind: 'agent-joined', agentId: `a_${i}`, pad: 'y'.repeat(4096) });
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    streams.sendJob('j_1', 'end', { status: 'succeeded' }, true);
    // Far more than the hard bound is waiting, yet the watcher is not dropped: its results wait in the job.
    expect(streams.slowDropped).toBe(0);
    expect(streams.size).toBe(1);
    slow.socket.resume();
    await until('the end', () => slow.text().includes('event: end'));
    const indices = [...slow.text().matchAll(/event: result\ndata: \{"index":(\d+)/g)].map((m) => Number(m[1]));
    expect(indices).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(slow.text().indexOf('event: end')).toBeGreaterThan(slow.text().lastIndexOf('event: result'));
    expect(slow.text()).not.toContain('SLOW_CONSUMER');
  });
});
