/**
 * The shared-value routes and jobs that name a value, on a real coordinator
 * in this process (port 0, no agents): uploads are streamed past the request
 * body limit but refused past --max-shared-bytes, bytes that are not their
 * name are refused, a submission's `shared` is checked and filled from the
 * store, and with --state-dir a restarted coordinator still has the job's
 * shared value.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, errorAnswer, silentLogger } from '@cohort/shared';
import { startCoordinator, type Coordinator } from './coordinator.js';
import { MAX_SHARED_UPLOADS } from './shared-routes.js';

const TOKEN = 'client-token-for-shared-routes';
const AGENT_TOKEN = 'agent-token-for-shared-routes';
const MAX_SHARED = 64 * 1024;
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const running: Coordinator[] = [];
const dirs: string[] = [];

async function start(stateDir?: string): Promise<Coordinator> {
  const c = await startCoordinator({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    agentToken: AGENT_TOKEN,
    maxBodyBytes: 1024,
    maxSharedBytes: MAX_SHARED,
    logger: silentLogger,
    env: {},
    ...(stateDir && { stateDir }),
  });
  running.push(c);
  return c;
}
afterEach(async () => {
  for (const c of running.splice(0)) await c.close();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function call(c: Coordinator, method: string, route: string, body?: Uint8Array | object, token = TOKEN) {
  const json = body !== undefined && !(body instanceof Uint8Array);
  const res = await fetch(`http://127.0.0.1:${c.port}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': json ? 'application/json' : 'application/octet-stream' },
    ...(body !== undefined && { body: json ? JSON.stringify(body) : (body as Uint8Array) }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, code: errorAnswer(answer)?.code, field: (errorAnswer(answer)?.details as { field?: unknown } | undefined)?.field, json: answer };
}

/** PUT a body sent chunk by chunk with no Content-Length (chunked), until the coordinator answers or `chunks` are sent. */
function putChunked(c: Coordinator, hash: string, chunk: Buffer, chunks: number): Promise<{ status: number; text: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(
      { host: '127.0.0.1', port: c.port, method: 'PUT', path: `/api/shared/${hash}`, headers: { authorization: `Bearer ${TOKEN}` } },
      (res) => {
        answered = true;
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, sent }));
      },
    );
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const pump = () => {
      while (!answered && sent < chunks) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('PUT and GET /api/shared/:hash', () => {
  it('stores a value larger than the request body limit, once, for the client credential only', async () => {
    const c = await start();
    const value = Buffer.alloc(10_000, 7); // over maxBodyBytes (1024): the body limit does not apply
    const hash = sha(value);
    expect((await call(c, 'GET', `/api/shared/${hash}`)).code).toBe(ErrorCode.SHARED_NOT_FOUND);
    const asAgent = await call(c, 'PUT', `/api/shared/${hash}`, value, AGENT_TOKEN);
    expect([asAgent.status, asAgent.code]).toEqual([403, ErrorCode.FORBIDDEN]);
    const stored = await call(c, 'PUT', `/api/shared/${hash}`, value);
    expect([stored.status, stored.json]).toEqual([201, { hash, bytes: value.length, stored: true }]);
    expect((await call(c, 'PUT', `/api/shared/${hash}`, value)).json.stored).toBe(false);
    expect((await call(c, 'GET', `/api/shared/${hash}`)).json).toEqual({ hash, bytes: value.length });
  });

  it('refuses an oversized value (declared, or streamed without a length) with 413 SHARED_TOO_LARGE, a wrong hash and a bad name with 400', async () => {
    const c = await start();
    const big = Buffer.alloc(MAX_SHARED + 1, 1);
    const declared = await call(c, 'PUT', `/api/shared/${sha(big)}`, big);
    expect([declared.status, declared.code]).toEqual([413, ErrorCode.SHARED_TOO_LARGE]);
    // 64 chunks of 16 KiB offered (1 MiB), no Content-Length: refused once it passes 64 KiB (the store stops pulling, shared-store.test.ts).
    const streamed = await putChunked(c, 'd'.repeat(64), Buffer.alloc(16 * 1024, 2), 64);
    expect([streamed.status, errorAnswer(JSON.parse(streamed.text))?.code]).toEqual([413, ErrorCode.SHARED_TOO_LARGE]);
    const mismatch = await call(c, 'PUT', `/api/shared/${sha('other')}`, Buffer.from('these'));
    expect([mismatch.status, mismatch.code]).toEqual([400, ErrorCode.SHARED_HASH_MISMATCH]);
    const badName = await call(c, 'PUT', '/api/shared/ABC', Buffer.from('x'));
    expect([badName.status, badName.code]).toEqual([400, ErrorCode.BAD_REQUEST]);
    // Nothing was kept, and the coordinator answers on.
    expect((await call(c, 'GET', `/api/shared/${sha(big)}`)).code).toBe(ErrorCode.SHARED_NOT_FOUND);
    expect((await call(c, 'GET', `/api/shared/${'d'.repeat(64)}`)).code).toBe(ErrorCode.SHARED_NOT_FOUND);
    expect((await fetch(`http://127.0.0.1:${c.port}/healthz`)).status).toBe(200);
  });
});

describe('POST /api/jobs with shared', () => {
  it('refuses an unknown hash (404), an absurd kind, a bad hash, a non-object and a size that does not fit the kind (400, naming the field)', async () => {
    const c = await start();
    const job = (shared: unknown) => call(c, 'POST', '/api/jobs', { task: 'noop', input: null, partitions: 2, shared });
    const unknown = await job({ hash: sha('never uploaded'), kind: 'bytes' });
    expect([unknown.status, unknown.code]).toEqual([404, ErrorCode.SHARED_NOT_FOUND]);
    const ten = Buffer.alloc(10, 1);
    await call(c, 'PUT', `/api/shared/${sha(ten)}`, ten);
    const cases: Array<[unknown, string]> = [
      [{ hash: sha(ten), kind: 'float128' }, 'shared.kind'],
      [{ hash: sha(ten), kind: { $gt: '' } }, 'shared.kind'],
      [{ hash: sha(ten) }, 'shared.kind'],
      [{ hash: 'ABC', kind: 'bytes' }, 'shared.hash'],
      [{ hash: '../../etc/passwd', kind: 'bytes' }, 'shared.hash'],
      ['bytes', 'shared'],
      [[sha(ten)], 'shared'],
      [{ hash: sha(ten), kind: 'float64' }, 'shared.kind'], // 10 bytes is not a whole number of float64s
    ];
    for (const [shared, field] of cases) {
      const refused = await job(shared);
      expect([refused.status, refused.code, refused.field], JSON.stringify(shared)).toEqual([400, ErrorCode.BAD_REQUEST, field]);
    }
    expect((await call(c, 'GET', '/api/jobs')).json.jobs).toEqual([]);
  });

  it('fills the size from the store, reports it, journals it, and a restarted coordinator still has the job and its value', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-routes-'));
    dirs.push(dir);
    const first = await start(dir);
    const value = new Float64Array([1.5, 2.5, 3.5]);
    const bytes = new Uint8Array(value.buffer);
    await call(first, 'PUT', `/api/shared/${sha(bytes)}`, bytes);
    const ref = { hash: sha(bytes), bytes: 24, kind: 'float64' };
    const submitted = await call(first, 'POST', '/api/jobs', {
      task: 'noop',
      input: null,
      partitions: 2,
      shared: { hash: ref.hash, kind: 'float64', bytes: 999 },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.json.shared).toEqual({ ...ref, delivery: { 'shared-memory': 0, copied: 0 } });
    const jobId = submitted.json.jobId as string;
    expect(first.cluster.jobs.get(jobId)?.header.shared).toEqual(ref);
    await first.close();

    const second = await start(dir);
    expect((await call(second, 'GET', `/api/jobs/${jobId}`)).json.shared).toEqual({ ...ref, delivery: { 'shared-memory': 0, copied: 0 } });
    expect(second.cluster.jobs.get(jobId)?.header.shared).toEqual(ref);
    expect((await call(second, 'GET', `/api/shared/${ref.hash}`)).json.bytes).toBe(24);
  });

  it('takes a value stored in-process (jobs.storeShared), as an embedding program would', async () => {
    const c = await start();
    const data = Buffer.from(JSON.stringify({ table: [1, 2, 3] }));
    const { hash, bytes, stored } = await c.jobs.storeShared(data);
    expect([hash, bytes, stored]).toEqual([sha(data), data.length, true]);
    const report = await c.jobs.submit({ task: 'noop', input: null, partitions: 1, shared: { hash, kind: 'json' } });
    expect(report.shared).toEqual({ hash, bytes: data.length, kind: 'json', delivery: { 'shared-memory': 0, copied: 0 } });
  });
});

describe('an upload cut short', () => {
  it('leaves no temporary file behind when the client aborts mid-upload', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-abort-'));
    dirs.push(dir);
    const c = await start(dir);
    const hash = 'e'.repeat(64);
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: c.port,
        method: 'PUT',
        path: `/api/shared/${hash}`,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(MAX_SHARED) },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(8 * 1024, 3), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
    const { readdirSync } = await import('node:fs');
    const deadline = Date.now() + 5000;
    let left = readdirSync(path.join(dir, 'shared'));
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      left = readdirSync(path.join(dir, 'shared'));
    }
    expect(left).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${c.port}/healthz`)).status).toBe(200);
  });

  it('is removed when the coordinator starts again after it died mid-upload (a temporary file of a killed process)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-crash-'));
    dirs.push(dir);
    const first = await start(dir);
    await first.close();
    const { readdirSync, writeFileSync } = await import('node:fs');
    const stale = path.join(dir, 'shared', `.${'f'.repeat(64)}.0123456789ab.tmp`);
    writeFileSync(stale, Buffer.alloc(4096, 1));
    await start(dir);
    expect(readdirSync(path.join(dir, 'shared'))).toEqual([]);
  });
});

describe('uploads at once', () => {
  it('refuses (429 RATE_LIMITED) an upload past MAX_SHARED_UPLOADS in progress, and takes one again once they end', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-shared-many-'));
    dirs.push(dir);
    const sharedDir = path.join(dir, 'shared');
    const c = await start(dir);
    const stalled = Array.from({ length: MAX_SHARED_UPLOADS }, (_, i) => {
      const req = request({
        host: '127.0.0.1',
        port: c.port,
        method: 'PUT',
        path: `/api/shared/${String(i).repeat(64)}`,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(MAX_SHARED) },
      });
      req.on('error', () => {});
      req.write(Buffer.alloc(1024, 1));
      return req;
    });
    const { waitFor } = await import('@cohort/shared/internal');
    const { readdirSync } = await import('node:fs');
    // Each stalled upload has its temporary file: the coordinator is writing all of them.
    await waitFor('the stalled uploads begun', () => readdirSync(sharedDir).length === MAX_SHARED_UPLOADS, { timeoutMs: 5000 });
    const value = Buffer.alloc(100, 5);
    const refused = await call(c, 'PUT', `/api/shared/${sha(value)}`, value);
    expect([refused.status, refused.code]).toEqual([429, ErrorCode.RATE_LIMITED]);
    for (const req of stalled) req.destroy();
    await waitFor('the stalled uploads dropped', () => readdirSync(sharedDir).length === 0, { timeoutMs: 5000 });
    const stored = await call(c, 'PUT', `/api/shared/${sha(value)}`, value);
    expect(stored.status).toBe(201);
  });
});
