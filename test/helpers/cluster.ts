/**
 * Test harness: real coordinator and agent processes on loopback (port 0,
 * read back from the ready line), stopped by their own pids after each test,
 * pass or fail (the hook is in test/setup-cluster.ts: registered for every
 * file, although this module is imported once per worker). Every wait is bounded in time.
 */
import { WebSocket } from 'ws';
import {
  ApiClient,
  startLocalCluster,
  stopAll,
  watchWithFault,
  type AgentSpec,
  type FaultPoint,
  type JobSpec,
  type LocalCluster,
  type LocalClusterOptions,
  type Spawned,
  type WatchOptions,
} from '@cohort/cli';
import { AGENT_PATH, PROTOCOL_VERSION, encode } from '@cohort/shared';
import { waitFor as waitUntil } from '@cohort/shared/internal';

const started: Array<LocalCluster | Spawned> = [];
/** The clusters' ApiClients: closed after each test, so that their https:// connections (an undici Agent) go too. */
const clients: ApiClient[] = [];

/** Stop everything the test started; test/setup-cluster.ts runs it after each test of every cluster test file. */
export async function stopStarted(): Promise<void> {
  const all = started.splice(0);
  await Promise.all(clients.splice(0).map((api) => api.close()));
  await Promise.all(all.map((c) => ('agents' in c ? c.stop() : stopAll([c]))));
}

export async function cluster(
  agents: AgentSpec[],
  coordinatorArgs: string[] = [],
  extra: Partial<LocalClusterOptions> = {},
): Promise<LocalCluster & { api: ApiClient }> {
  const c = await startLocalCluster({ ...extra, agents, coordinatorArgs });
  started.push(c);
  const api = new ApiClient({ url: c.url, token: c.token, tls: c.tls });
  clients.push(api);
  return Object.assign(c, { api });
}

export function track<T extends Spawned>(p: T): T {
  started.push(p);
  return p;
}

export const agents = (n: number, mode: AgentSpec['mode'], slots = 1): AgentSpec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${mode}-${i + 1}`, mode, slots }));

/** The shared waitFor (@cohort/shared/internal), with the timeout as the third argument as the tests write it. */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  return waitUntil(what, check, { timeoutMs });
}

/**
 * A job on `c`, watched to its end (watchWithFault), that injects a fault
 * once: at the first progress event for which `when` holds. `lost()` lists
 * the agent-lost events seen so far, each with its arrival time.
 */
export function jobWithFault(c: LocalCluster, spec: JobSpec, when: FaultPoint['when'], inject: FaultPoint['inject'], options: WatchOptions = {}) {
  const fault = watchWithFault(c, spec, { when, inject }, options);
  return { ...fault, lost: () => fault.events.filter((e) => e.kind === 'agent-lost') };
}

export interface RawSocket {
  ws: WebSocket;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  refused: Promise<{ status: number; body: string }>;
}

/** A raw WebSocket to the agent endpoint, for speaking (bad) protocol by hand. */
export function rawSocket(url: string, token: string | undefined): RawSocket {
  const ws = new WebSocket(`${url}${AGENT_PATH}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const refused = new Promise<{ status: number; body: string }>((resolve) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
  return { ws, opened, closed, refused };
}

export function hello(overrides: Record<string, unknown> = {}): Buffer {
  return encode({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agentVersion: 'test',
    name: 'raw',
    slots: 1,
    mode: 'threads',
    modes: ['thread'],
    maxPrefetch: 0,
    hardware: { cpus: 1, cpuModel: 'x', memoryBytes: 1, platform: 'linux', arch: 'x64', node: 'v20', hostname: 'h' },
    ...overrides,
  });
}

export const PRIMES_1E6 = { input: { from: 0, to: 1_000_000 }, expected: 78_498 };
export const PRIMES_1E7 = { input: { from: 0, to: 10_000_000 }, expected: 664_579 };
export const PRIMES_2E8 = { input: { from: 0, to: 200_000_000 }, expected: 11_078_937 };
