/**
 * An agent that asks for shared-value (or bundle) parts and never reads its socket
 * cannot make the coordinator buffer them without bound: a part counts as
 * in flight until it is written to the socket, so past
 * RATES.bundleReadsInFlight such parts the session is expelled. Real
 * coordinator in this process (port 0), a raw WebSocket agent.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION, RATES, SHARED_CHUNK_BYTES, decodeCoordinatorMessage, encode, silentLogger, type AssignMessage } from '@cohort/shared';
import { waitFor } from '@cohort/shared/internal';
import { startCoordinator, type Coordinator } from './coordinator.js';

const CLIENT = 'client-token-for-shared-backpressure';
const AGENT = 'agent-token-for-shared-backpressure';
let coordinator: Coordinator | undefined;

afterEach(async () => {
  await coordinator?.close();
  coordinator = undefined;
});

async function api(c: Coordinator, method: string, route: string, body: Uint8Array | object): Promise<Record<string, unknown>> {
  const raw = body instanceof Uint8Array;
  const res = await fetch(`http://127.0.0.1:${c.port}${route}`, {
    method,
    headers: { authorization: `Bearer ${CLIENT}`, 'content-type': raw ? 'application/octet-stream' : 'application/json' },
    body: raw ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('shared-part back-pressure', () => {
  it('expels an agent that asks for parts without reading them, before the coordinator buffers more than the bound', async () => {
    const c = (coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, token: CLIENT, agentToken: AGENT, logger: silentLogger, env: {} }));
    const value = Buffer.alloc(2 * SHARED_CHUNK_BYTES, 9);
    const hash = createHash('sha256').update(value).digest('hex');
    await api(c, 'PUT', `/api/shared/${hash}`, value);
    await api(c, 'POST', '/api/jobs', { task: 'noop', input: null, partitions: 2, shared: { hash, kind: 'bytes' } });

    const { ws, assign, serverWs } = await greedyAgent(c);
    let maxBuffered = 0;
    const asks = 8 * RATES.bundleReadsInFlight;
    for (let i = 0; i < asks && serverWs.readyState === serverWs.OPEN; i++) {
      ws.send(encode({ type: 'shared-get', jobId: assign.jobId, hash, offset: 0 }));
      if (i % 8 === 7) await new Promise((r) => setTimeout(r, 20));
      maxBuffered = Math.max(maxBuffered, serverWs.bufferedAmount);
    }
    await waitFor('the greedy agent expelled', () => serverWs.readyState !== serverWs.OPEN, { timeoutMs: 5000 });
    maxBuffered = Math.max(maxBuffered, serverWs.bufferedAmount);
    expect(maxBuffered).toBeLessThanOrEqual((RATES.bundleReadsInFlight + 2) * (SHARED_CHUNK_BYTES + 1024));
    ws.terminate();
    expect(c.cluster.agents.size).toBe(0);
  }, 30_000);
});

describe('bundle-part back-pressure', () => {
  it('expels an agent that asks for bundle parts without reading them, before the coordinator buffers more than the bound', async () => {
    const c = (coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, token: CLIENT, agentToken: AGENT, logger: silentLogger, env: {} }));
    const source = `export default { name: 'big', split: (_i, n) => new Array(n).fill(null), run: () => 1, merge: (r) => r.length };\n//${'x'.repeat(2 * SHARED_CHUNK_BYTES)}\n`;
    const bundle = Buffer.from(source);
    const hash = createHash('sha256').update(bundle).digest('hex');
    await api(c, 'PUT', `/api/bundles/${hash}`, bundle);
    const job = await api(c, 'POST', '/api/jobs', { task: `sha256:${hash}`, input: null, partitions: 2 });
    expect(job.jobId).toBeDefined();
    const { ws, assign, serverWs } = await greedyAgent(c);
    let maxBuffered = 0;
    for (let i = 0; i < 8 * RATES.bundleReadsInFlight && serverWs.readyState === serverWs.OPEN; i++) {
      ws.send(encode({ type: 'bundle-get', jobId: assign.jobId, hash, offset: 0 }));
      if (i % 8 === 7) await new Promise((r) => setTimeout(r, 20));
      maxBuffered = Math.max(maxBuffered, serverWs.bufferedAmount);
    }
    await waitFor('the greedy agent expelled', () => serverWs.readyState !== serverWs.OPEN, { timeoutMs: 5000 });
    expect(maxBuffered).toBeLessThanOrEqual((RATES.bundleReadsInFlight + 2) * (SHARED_CHUNK_BYTES + 1024));
    ws.terminate();
  }, 30_000);
});

/** A raw agent that joins, waits for its first assign, then stops reading its socket. */
async function greedyAgent(c: Coordinator): Promise<{ ws: WebSocket; assign: AssignMessage; serverWs: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${c.port}/agent`, { headers: { authorization: `Bearer ${AGENT}` }, perMessageDeflate: false });
  let assign: AssignMessage | undefined;
  ws.on('message', (data: Buffer) => {
    const msg = decodeCoordinatorMessage(data);
    if (msg.type === 'assign') assign = msg;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const hardware = { cpus: 1, cpuModel: 'x', memoryBytes: 1, platform: 'linux', arch: 'x64', node: 'v20', hostname: 'x' };
  ws.send(
    encode({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agentVersion: 'x',
      name: 'greedy',
      slots: 2,
      mode: 'threads',
      modes: ['thread'],
      maxPrefetch: 0,
      hardware,
    }),
  );
  const got = await waitFor('an assign', () => assign, { timeoutMs: 5000 });
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const session = [...c.cluster.agents.values()][0]!;
  return { ws, assign: got, serverWs: session.conn as WebSocket };
}
