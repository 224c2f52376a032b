/**
 * A real agent (in this process, with real thread slots) against a FAKE
 * coordinator: a `ws` server on loopback that welcomes it, assigns work of
 * jobs with a shared value, and answers its `shared-get` honestly, with
 * forged bytes, or not at all. The value is fetched once per hash for every
 * job that names it, sums come out right on threads (profile-shared-input),
 * forged bytes fail only that job's items (SHARED_HASH_MISMATCH) and the
 * agent lives on, and a release frees the value (the next job fetches it
 * again) or cancels a fetch in flight.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ErrorCode,
  PROTOCOL_VERSION,
  SHARED_CHUNK_BYTES,
  decodeAgentMessage,
  encode,
  sha256Hex,
  silentLogger,
  type AgentMessage,
  type CoordinatorMessage,
  type ResultItem,
  type SharedGetMessage,
  type SharedRef,
} from '@cohort/shared';
import { waitFor } from '@cohort/shared/internal';
import { startAgent, type Agent } from '../agent.js';

/** How the fake answers a shared-get: the bytes to serve, or nothing. */
type Answer = Buffer | undefined;

class FakeCoordinator {
  readonly received: AgentMessage[] = [];
  readonly gets: SharedGetMessage[] = [];
  readonly answers = new Map<string, Answer>();
  ws: WebSocket | undefined;

  constructor(readonly server: WebSocketServer) {
    server.on('connection', (ws) => {
      this.ws = ws;
      ws.on('message', (data: Buffer) => this.onMessage(ws, decodeAgentMessage(data)));
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  send(msg: CoordinatorMessage): void {
    this.ws?.send(encode(msg));
  }

  assign(jobId: string, shared: SharedRef, ranges: Array<[number, number]>): void {
    const items = ranges.map(([from, to], p) => ({ p, a: 1, input: { from, to } }));
    this.send({ type: 'assign', jobId, task: 'shared-sum', isolation: 'auto', timeoutMs: 0, shared, sharedInput: true, items });
  }

  results(jobId: string): ResultItem[] {
    return this.received.flatMap((m) => (m.type === 'results' && m.jobId === jobId ? m.items : []));
  }

  part(hash: string, bytes: Buffer, offset: number): void {
    this.send({ type: 'shared-part', hash, offset, total: bytes.length, data: bytes.subarray(offset, offset + SHARED_CHUNK_BYTES) });
  }

  private onMessage(ws: WebSocket, msg: AgentMessage): void {
    this.received.push(msg);
    if (msg.type === 'hello') {
      this.send({
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        sessionId: 'a_fake1',
        coordinatorVersion: 'fake',
        coordinatorId: 'fake-coordinator',
        heartbeatMs: 100,
        heartbeatTimeoutMs: 30_000,
      });
    } else if (msg.type === 'shared-get') {
      this.gets.push(msg);
      const answer = this.answers.get(msg.hash);
      if (answer && ws === this.ws) this.part(msg.hash, answer, msg.offset);
    }
  }
}

/** `n` float64 elements 0, 1, …, n-1, as bytes and a ref; their sum over [from, to) is arithmetic. */
function floats(n: number, scale = 1): { bytes: Buffer; ref: SharedRef } {
  const xs = Float64Array.from({ length: n }, (_, i) => i * scale);
  const bytes = Buffer.from(xs.buffer);
  return { bytes, ref: { hash: sha256Hex(bytes), bytes: bytes.length, kind: 'float64' } };
}
const sumOf = (from: number, to: number, scale = 1) => (scale * ((to - 1) * to - (from - 1) * from)) / 2;

let fake: FakeCoordinator;
let agent: Agent;
let base: string;

beforeAll(async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  fake = new FakeCoordinator(server);
  base = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-agent-'));
  agent = await startAgent({ connect: fake.url, slots: 1, mode: 'auto', name: 'sharer', cacheDir: path.join(base, 'cache'), logger: silentLogger });
  await agent.ready;
});

afterAll(async () => {
  await agent?.stop();
  for (const client of fake?.server.clients ?? []) client.terminate();
  await new Promise((resolve) => fake?.server.close(resolve));
  rmSync(base, { recursive: true, force: true });
});

describe('an agent fetching shared values from a hostile coordinator', () => {
  // 2.5 MiB of float64: three parts.
  const big = floats((5 * SHARED_CHUNK_BYTES) / 16);
  const n = big.ref.bytes / 8;

  it('fetches a value once for two jobs, in order, and sums it on threads (profile-shared-input)', async () => {
    fake.answers.set(big.ref.hash, big.bytes);
    fake.assign('j1', big.ref, [
      [0, n / 2],
      [n / 2, n],
    ]);
    fake.assign('j2', big.ref, [[10, 20]]);
    await waitFor('results of j1 and j2', () => fake.results('j1').length === 2 && fake.results('j2').length === 1);
    expect(fake.gets.map((g) => g.offset)).toEqual([0, SHARED_CHUNK_BYTES, 2 * SHARED_CHUNK_BYTES]);
    expect(fake.results('j1')).toMatchObject([
      { p: 0, ok: true, mode: 'thread', why: 'profile-shared-input' },
      { p: 1, ok: true, mode: 'thread', why: 'profile-shared-input' },
    ]);
    const value = (item: ResultItem | undefined) => (item?.ok ? (item.value as { sum: number }).sum : undefined);
    expect(value(fake.results('j1')[0])).toBe(sumOf(0, n / 2));
    expect(value(fake.results('j1')[1])).toBe(sumOf(n / 2, n));
    expect(value(fake.results('j2')[0])).toBe(sumOf(10, 20));
  });

  it('a job naming a value held already runs without a fetch; after the last release the next job fetches it again', async () => {
    fake.gets.length = 0;
    fake.assign('j3', big.ref, [[0, 4]]);
    await waitFor('the result of j3', () => fake.results('j3').length === 1);
    expect(fake.gets).toEqual([]);
    for (const jobId of ['j1', 'j2', 'j3', 'never-seen']) fake.send({ type: 'release', jobId });
    fake.assign('j4', big.ref, [[0, 4]]);
    await waitFor('the result of j4', () => fake.results('j4').length === 1);
    expect(fake.gets.map((g) => [g.jobId, g.offset])).toEqual([
      ['j4', 0],
      ['j4', SHARED_CHUNK_BYTES],
      ['j4', 2 * SHARED_CHUNK_BYTES],
    ]);
    expect(fake.results('j4')[0]).toMatchObject({ ok: true, value: { sum: sumOf(0, 4), count: 4 } });
  });

  it('forged bytes fail only that job (SHARED_HASH_MISMATCH); the agent stays and the next job runs', async () => {
    const honest = floats(100, 3);
    const forged = Buffer.from(honest.bytes);
    forged[7] ^= 1;
    fake.answers.set(honest.ref.hash, forged);
    fake.assign('evil', honest.ref, [
      [0, 50],
      [50, 100],
    ]);
    await waitFor('the failures of evil', () => fake.results('evil').length === 2);
    for (const item of fake.results('evil'))
      expect(item).toMatchObject({ ok: false, error: { code: ErrorCode.SHARED_HASH_MISMATCH }, why: 'profile-shared-input' });
    fake.answers.set(honest.ref.hash, honest.bytes);
    fake.assign('retry', honest.ref, [[0, 100]]);
    await waitFor('the result of retry', () => fake.results('retry').length === 1);
    expect(fake.results('retry')[0]).toMatchObject({ ok: true, value: { sum: sumOf(0, 100, 3), count: 100 } });
    expect(agent.state).toBe('ready');
  });

  it('a total over the named size, or a refusal, fails the job with its code', async () => {
    const v = floats(10, 7);
    fake.answers.set(v.ref.hash, Buffer.concat([v.bytes, Buffer.alloc(8)]));
    fake.assign('long', v.ref, [[0, 10]]);
    await waitFor('the failure of long', () => fake.results('long').length === 1);
    expect(fake.results('long')[0]).toMatchObject({ ok: false, error: { code: ErrorCode.SHARED_FETCH_FAILED } });
    const w = floats(10, 9);
    fake.assign('refused', w.ref, [[0, 10]]);
    await waitFor('the request for refused', () => fake.gets.some((g) => g.jobId === 'refused'));
    fake.send({ type: 'shared-refused', hash: w.ref.hash, error: { code: ErrorCode.SHARED_NOT_FOUND, name: 'CohortError', message: 'gone' } });
    await waitFor('the failure of refused', () => fake.results('refused').length === 1);
    expect(fake.results('refused')[0]).toMatchObject({ ok: false, error: { code: ErrorCode.SHARED_NOT_FOUND } });
  });

  it('a release mid-fetch cancels it: a late part is ignored and the held work reports nothing', async () => {
    const v = floats(10, 11);
    fake.assign('short-lived', v.ref, [[0, 10]]);
    await waitFor('the request for short-lived', () => fake.gets.some((g) => g.jobId === 'short-lived'));
    fake.send({ type: 'release', jobId: 'short-lived' });
    fake.part(v.ref.hash, v.bytes, 0); // too late: no fetch takes it
    // A job sent after both still runs: the agent is sound and fetches the value anew.
    fake.answers.set(v.ref.hash, v.bytes);
    fake.assign('after', v.ref, [[0, 10]]);
    await waitFor('the result of after', () => fake.results('after').length === 1);
    expect(fake.results('after')[0], JSON.stringify(fake.results('after')[0])).toMatchObject({ ok: true, value: { sum: sumOf(0, 10, 11) } });
    expect(fake.results('short-lived')).toEqual([]);
    expect(fake.gets.filter((g) => g.hash === v.ref.hash).map((g) => g.jobId)).toEqual(['short-lived', 'after']);
  });
});
