/**
 * Issue 10: an agent fetches a task bundle by hash and trusts nothing it is
 * sent. A real agent process joins a FAKE coordinator written here (a real
 * `ws` server on loopback that speaks protocol 2), which assigns partitions
 * of a shipped task and answers the agent's bundle-get as the test says:
 * with bytes that do not hash to the name (BUNDLE_HASH_MISMATCH, nothing
 * written, the agent stays), honestly (the task runs), or with a refusal
 * (the attempt fails with the refusal's code).
 */
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { spawnAgent } from '@cohort/cli';
import {
  BUNDLE_CHUNK_BYTES,
  ErrorCode,
  PROTOCOL_VERSION,
  decodeAgentMessage,
  encode,
  sha256Hex,
  type AgentMessage,
  type BundleGetMessage,
  type CoordinatorMessage,
  type ResultItem,
  type WireError,
} from '@cohort/shared';
import { track, waitFor } from '../helpers/cluster.js';

const HONEST = Buffer.from("export default {name:'t', split(){}, run(x){return x*2}, merge(r){return r}, profile:{isolation:'thread'}};\n");
const H = sha256Hex(HONEST);
const EVIL = Buffer.from("export default {name:'t', split(){}, run(x){return 'pwned'}, merge(r){return r}, profile:{isolation:'thread'}};\n");

/** How the fake answers one bundle-get. */
type Answer = (get: BundleGetMessage) => CoordinatorMessage;
const serve =
  (bytes: Buffer): Answer =>
  (get) => ({
    type: 'bundle-part',
    hash: get.hash,
    offset: get.offset,
    total: bytes.length,
    data: bytes.subarray(get.offset, get.offset + BUNDLE_CHUNK_BYTES),
  });
const refuse =
  (error: WireError): Answer =>
  (get) => ({ type: 'bundle-refused', hash: get.hash, error });

/** A fake coordinator: one agent connection, welcomed; everything it says is kept. */
class FakeCoordinator {
  readonly received: AgentMessage[] = [];
  readonly gets: BundleGetMessage[] = [];
  /** The answer for each job's bundle-get. */
  readonly answers = new Map<string, Answer>();
  ws: WebSocket | undefined;
  closes = 0;
  private constructor(readonly server: WebSocketServer) {
    server.on('connection', (ws) => {
      this.ws = ws;
      ws.on('close', () => this.closes++);
      ws.on('message', (data: Buffer) => this.onMessage(ws, decodeAgentMessage(data)));
    });
  }

  static async start(): Promise<FakeCoordinator> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    return new FakeCoordinator(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  send(ws: WebSocket | undefined, msg: CoordinatorMessage): void {
    ws?.send(encode(msg));
  }

  assign(jobId: string, task: string, inputs: number[]): void {
    this.send(this.ws, { type: 'assign', jobId, task, isolation: 'thread', timeoutMs: 0, items: inputs.map((input, p) => ({ p, a: 1, input })) });
  }

  /** The items of the results the agent sent for `jobId`. */
  results(jobId: string): ResultItem[] {
    return this.received.flatMap((m) => (m.type === 'results' && m.jobId === jobId ? m.items : []));
  }

  heartbeats(): number {
    return this.received.filter((m) => m.type === 'heartbeat').length;
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onMessage(ws: WebSocket, msg: AgentMessage): void {
    this.received.push(msg);
    if (msg.type === 'hello') {
      this.send(ws, {
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        sessionId: 'a_fake1',
        coordinatorVersion: 'fake',
        coordinatorId: 'fake-coordinator',
        heartbeatMs: 100,
        heartbeatTimeoutMs: 30_000,
      });
    } else if (msg.type === 'bundle-get') {
      this.gets.push(msg);
      const answer = this.answers.get(msg.jobId);
      if (answer) this.send(ws, answer(msg));
    }
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ fake: FakeCoordinator; cacheDir: string }> {
  const fake = await FakeCoordinator.start();
  cleanups.push(() => fake.close());
  const base = mkdtempSync(path.join(os.tmpdir(), 'cohort-bundle-fetch-'));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const cacheDir = path.join(base, 'cache');
  track(await spawnAgent({ name: 'fetcher', args: ['--connect', fake.url, '--cache-dir', cacheDir, '--slots', '1', '--mode', 'threads'] }));
  await waitFor('the agent to join', () => fake.ws !== undefined && fake.received.some((m) => m.type === 'hello'));
  return { fake, cacheDir };
}

const code = (item: ResultItem | undefined) => (item && !item.ok ? item.error.code : undefined);

describe('an agent fetching a bundle from a hostile coordinator', () => {
  it('refuses bytes that do not hash to the name (BUNDLE_HASH_MISMATCH), writes nothing, stays connected, and runs the honest bundle next', async () => {
    const { fake, cacheDir } = await setup();
    fake.answers.set('J', serve(EVIL));
    fake.assign('J', `sha256:${H}`, [21]);
    const [failed] = await waitFor('the failed result', () => fake.results('J').length > 0 && fake.results('J'));
    expect(code(failed)).toBe(ErrorCode.BUNDLE_HASH_MISMATCH);
    expect(fake.gets).toEqual([{ type: 'bundle-get', jobId: 'J', hash: H, offset: 0 }]);
    expect(existsSync(path.join(cacheDir, `${H}.mjs`))).toBe(false);
    expect(readdirSync(cacheDir)).toEqual([]);

    // Still the same connection: heartbeats keep coming on it.
    const beats = fake.heartbeats();
    await waitFor('a heartbeat after the refusal', () => fake.heartbeats() > beats);
    expect(fake.closes).toBe(0);

    fake.answers.set('J2', serve(HONEST));
    fake.assign('J2', `sha256:${H}`, [21, 50]);
    const results = await waitFor('the honest results', () => fake.results('J2').length === 2 && fake.results('J2'));
    expect(results.map((r) => (r.ok ? [r.p, r.value] : [r.p, r.error.code]))).toEqual([
      [0, 42],
      [1, 100],
    ]);
    expect(readFileSync(path.join(cacheDir, `${H}.mjs`)).equals(HONEST)).toBe(true);
    expect(fake.closes).toBe(0);
  });

  it("fails the attempt with a refusal's code, and asks again for the next job", async () => {
    const { fake, cacheDir } = await setup();
    fake.answers.set('J', refuse({ code: ErrorCode.BUNDLE_NOT_FOUND, name: 'CohortError', message: 'not yours' }));
    fake.assign('J', `sha256:${H}`, [1]);
    const [failed] = await waitFor('the failed result', () => fake.results('J').length > 0 && fake.results('J'));
    expect(code(failed)).toBe(ErrorCode.BUNDLE_NOT_FOUND);
    expect(readdirSync(cacheDir)).toEqual([]);

    fake.answers.set('J2', serve(HONEST));
    fake.assign('J2', `sha256:${H}`, [4]);
    const [ok] = await waitFor('the honest result', () => fake.results('J2').length > 0 && fake.results('J2'));
    expect(ok?.ok && ok.value).toBe(8);
    expect(fake.gets.map((g) => g.jobId)).toEqual(['J', 'J2']);
    expect(fake.closes).toBe(0);
  });
});
