/**
 * A revoked agent loses its session whatever it sends: an agent that never
 * sends a heartbeat (any message counts as life to the cluster) is closed
 * with AUTH_REVOKED at its next message, and a silent one by the sweep one
 * heartbeat period after the reload. Real coordinator in this process
 * (port 0), raw WebSocket agents speaking the protocol by hand.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloseCode, PROTOCOL_VERSION, decodeCoordinatorMessage, encode, parseAgentList, silentLogger, type AgentInfo } from '@cohort/shared';
import { settlesWithin, waitFor } from '@cohort/shared/internal';
import { startCoordinator, type Coordinator } from './coordinator.js';

const HEARTBEAT_MS = 100;
const CLIENT = 'client-token-for-revocation-test';
const OLD = 'agent-token-OLD-for-revocation-test';
const KEPT = 'agent-token-KEPT-for-revocation-test';

let dir: string;
let agentFile: string;
let coordinator: Coordinator;

beforeEach(async () => {
  dir = mkdtempSync(join(os.tmpdir(), 'cohort-revoke-'));
  agentFile = join(dir, 'agent-tokens');
  writeFileSync(join(dir, 'client-tokens'), `${CLIENT}\n`);
  writeFileSync(agentFile, `${OLD}\n${KEPT}\n`);
  coordinator = await startCoordinator({
    host: '127.0.0.1',
    port: 0,
    tokenFile: join(dir, 'client-tokens'),
    agentTokenFile: agentFile,
    heartbeatMs: HEARTBEAT_MS,
    // Long, so that only the revocation (not the silence) can close an agent within the test.
    heartbeatTimeoutMs: 20_000,
    logger: silentLogger,
    env: {},
  });
});

afterEach(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface RawAgent {
  ws: WebSocket;
  /** Items assigned, with the time each assign arrived. */
  assigns: number[];
  closed: Promise<{ code: number; reason: string; at: number }>;
}

/** A hand-made agent: hello, then nothing unless the test sends it. */
async function rawAgent(name: string, token: string): Promise<RawAgent> {
  const ws = new WebSocket(`ws://127.0.0.1:${coordinator.port}/agent`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  const assigns: number[] = [];
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })),
  );
  ws.on('message', (data: Buffer) => {
    if (decodeCoordinatorMessage(data).type === 'assign') assigns.push(Date.now());
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const hardware = { cpus: 1, cpuModel: 'x', memoryBytes: 1, platform: 'linux', arch: 'x64', node: 'v20', hostname: 'x' };
  ws.send(
    encode({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'x', name, slots: 2, mode: 'threads', modes: ['thread'], maxPrefetch: 0, hardware }),
  );
  return { ws, assigns, closed };
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${coordinator.port}${path}`, {
    method,
    headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5000),
  });
  return res.json();
}

async function agentsNamed(name: string): Promise<AgentInfo[]> {
  return parseAgentList(await api('GET', '/api/agents')).filter((a) => a.name === name);
}

/** Poll `check` every 20 ms for at most 3 s (shared's waitFor). */
const until = (what: string, check: () => Promise<boolean> | boolean) => waitFor(what, check, { timeoutMs: 3000 });

/** Resolves with `p`'s value, or 'timeout' after `ms` (the timer cleared either way: shared's settlesWithin). */
const within = async <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => ((await settlesWithin(p, ms)) ? await p : 'timeout');

describe('agent revocation', () => {
  it('closes with AUTH_REVOKED an agent that sends only non-heartbeat messages, and assigns it nothing after', async () => {
    const hostile = await rawAgent('hostile', OLD);
    const kept = await rawAgent('kept', KEPT);
    const chatter = setInterval(
      () => hostile.ws.readyState === WebSocket.OPEN && hostile.ws.send(encode({ type: 'results', jobId: 'j_nope000000', items: [] })),
      30,
    );
    try {
      await until('both agents ready', async () => (await agentsNamed('hostile')).length === 1 && (await agentsNamed('kept')).length === 1);
      await api('POST', '/api/jobs', { task: 'sleep', input: { ms: 60_000 }, partitions: 4 });
      await until('the hostile agent is assigned work', () => hostile.assigns.length > 0);

      writeFileSync(agentFile, `${KEPT}\n`);
      const reloadedAt = Date.now();
      expect(coordinator.reloadCredentials()).toEqual({ client: 1, agent: 1 });
      const closed = await within(hostile.closed, 2 * HEARTBEAT_MS + 200);
      expect(closed).not.toBe('timeout');
      if (closed === 'timeout') return;
      expect(closed.code).toBe(CloseCode.AUTH_REVOKED);
      expect(closed.code).toBe(4010);
      expect(closed.reason).toMatch(/^AUTH_REVOKED/);
      expect(closed.at - reloadedAt).toBeLessThan(2 * HEARTBEAT_MS + 200);
      expect(hostile.assigns.filter((t) => t > reloadedAt)).toEqual([]);
      // Its session is gone (its partitions requeued); the agent whose token was kept is still connected.
      await until('the hostile session is gone', async () => (await agentsNamed('hostile')).every((a) => a.state !== 'ready'));
      expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(chatter);
      hostile.ws.terminate();
      kept.ws.terminate();
    }
  });

  it('closes a silent revoked agent one heartbeat period after the reload, and keeps the others', async () => {
    const silent = await rawAgent('silent', OLD);
    const kept = await rawAgent('kept', KEPT);
    try {
      await until('both agents ready', async () => (await agentsNamed('silent')).length === 1 && (await agentsNamed('kept')).length === 1);
      writeFileSync(agentFile, `${KEPT}\n`);
      const reloadedAt = Date.now();
      coordinator.reloadCredentials();
      const closed = await within(silent.closed, 2 * HEARTBEAT_MS + 300);
      expect(closed).not.toBe('timeout');
      if (closed === 'timeout') return;
      expect(closed.code).toBe(CloseCode.AUTH_REVOKED);
      expect(closed.at - reloadedAt).toBeGreaterThanOrEqual(HEARTBEAT_MS - 5);
      expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      silent.ws.terminate();
      kept.ws.terminate();
    }
  });
});
