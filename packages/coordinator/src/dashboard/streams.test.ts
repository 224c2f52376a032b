/** DashboardStreams over a real HTTP server on loopback, with raw sockets that read or do not. */
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { ErrorCode } from '@cohort/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardHead } from './head.js';
import { DashboardStreams, type DashboardStreamLimits } from './streams.js';
import { DashboardView } from './view.js';

let server: Server | undefined;
let streams: DashboardStreams | undefined;
let view: DashboardView | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  streams?.close();
  view?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function start(limits: Partial<DashboardStreamLimits>): Promise<{ streams: DashboardStreams; view: DashboardView; port: number }> {
  const v = (view = new DashboardView({ agents: new Map(), jobs: new Map() }, Date.now(), false));
  const s = (streams = new DashboardStreams(v, (now) => dashboardHead(v, { heartbeat: { amberMs: 200, redMs: 1000 } }, now), limits));
  server = createServer((_req, res) => {
    try {
      s.open(res);
    } catch (err) {
      res.writeHead(429).end((err as { code: string }).code);
    }
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { streams: s, view: v, port: (server!.address() as AddressInfo).port };
}

function client(port: number, reading = true): { text: () => string; socket: net.Socket } {
  const socket = net.connect({ port, host: '127.0.0.1' });
  sockets.push(socket);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => {});
  socket.write('GET /api/dashboard/events HTTP/1.1\r\nHost: x\r\n\r\n');
  if (!reading) socket.once('data', () => socket.pause());
  return { text: () => text, socket };
}

/** The SSE events in `text`: [event, data] pairs (chunked framing removed by matching the lines). */
function events(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  const out: Array<{ event: string; data: Record<string, unknown> }> = [];
  for (const m of text.matchAll(/event: (\w+)\r?\n(?:[0-9a-f]+\r\n)?data: (.*)\n/g)) out.push({ event: m[1]!, data: JSON.parse(m[2]!) });
  return out;
}

const until = async (what: string, check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const joined = (agent: string, at: number) => ({
  kind: 'cluster' as const,
  event: { kind: 'agent-joined' as const, at, agentId: `s_${agent}`, agent, slots: 1, mode: 'threads' as const },
});

describe('dashboard streams', () => {
  it('sends a snapshot, then updates with only what the rings gained, the same to every reader', async () => {
    const { streams, view, port } = await start({ intervalMs: 50 });
    view.observe(joined('a1', 1));
    const one = client(port);
    const two = client(port);
    await until('two snapshots', () => events(one.text()).length === 1 && events(two.text()).length === 1);
    expect(streams.size).toBe(2);
    const snapshot = events(one.text())[0]!;
    expect(snapshot.event).toBe('snapshot');
    expect((snapshot.data.feed as unknown[]).length).toBe(1);
    expect(snapshot.data.heartbeat).toEqual({ amberMs: 200, redMs: 1000 });
    view.observe(joined('b2', 2));
    await until('two updates each', () => events(one.text()).length >= 3 && events(two.text()).length >= 3);
    const updates = events(one.text()).slice(1);
    expect(updates.every((u) => u.event === 'update')).toBe(true);
    const feed = updates.flatMap((u) => u.data.feed as Array<{ text: string }>).map((f) => f.text);
    expect(feed).toEqual(['agent b2 joined: 1 slot, threads']); // once, and a1's line not again
    expect(
      events(two.text())
        .slice(1)
        .flatMap((u) => u.data.feed as unknown[]),
    ).toHaveLength(1);
  });

  it('refuses past the bound of open dashboards, and stops its timer with the last', async () => {
    const { streams, port } = await start({ intervalMs: 50, maxConnections: 2 });
    const a = client(port);
    const b = client(port);
    await until('two open', () => streams.size === 2);
    const c = client(port);
    await until('the third refused', () => c.text().includes('429'));
    expect(c.text()).toContain(ErrorCode.RATE_LIMITED);
    a.socket.destroy();
    b.socket.destroy();
    await until('none open', () => streams.size === 0);
    expect((streams as unknown as { timer: unknown }).timer).toBeUndefined();
  });

  it('drops a dashboard that never reads, and keeps serving one that does', async () => {
    const { streams, view, port } = await start({ intervalMs: 5, softBytes: 64 * 1024, hardBytes: 256 * 1024, stallMs: 200 });
    // A heavy head: 200 lost agents with long names, so every update weighs tens of kilobytes.
    for (let i = 0; i < 200; i++) {
      const name = `agent-${i}-${'n'.repeat(100)}`;
      view.observe(joined(name, i));
      view.observe({ kind: 'cluster', event: { kind: 'agent-lost', at: i, agentId: `s_${name}`, agent: name, reason: 'closed', silentMs: 1, requeued: 0 } });
    }
    client(port, false); // opens, takes its first bytes, and never reads again
    const fast = client(port);
    await until('two open', () => streams.size === 2);
    await until('the slow one dropped', () => streams.slowDropped === 1, 20_000);
    expect(streams.size).toBe(1);
    const before = events(fast.text()).length;
    await until('the fast one still fed', () => events(fast.text()).length > before + 2);
  });

  it('ends every stream when closed, and takes no more', async () => {
    const { streams, port } = await start({ intervalMs: 50 });
    const a = client(port);
    await until('open', () => streams.size === 1);
    streams.close();
    await until('the last chunk', () => a.text().endsWith('0\r\n\r\n'));
    expect(streams.size).toBe(0);
    const b = client(port);
    await until('refused', () => b.text().includes('429'));
    expect(b.text()).toContain(ErrorCode.SHUTTING_DOWN);
  });
});
