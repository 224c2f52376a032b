/**
 * Issue 10, hostile: uploading a bundle is running code on every agent, so
 * only the client credential may; and whatever a client uploads or names,
 * only its own request fails, with a stable code, and the coordinator lives on.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { httpBase } from '@cohort/cli';
import { ErrorCode, errorAnswer } from '@cohort/shared';
import { cluster } from '../helpers/cluster.js';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

async function call(url: string, token: string | undefined, method: string, route: string, body?: string | Uint8Array) {
  const res = await fetch(`${httpBase(url)}${route}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': typeof body === 'string' && route === '/api/jobs' ? 'application/json' : 'application/octet-stream' }),
    },
    ...(body !== undefined && { body }),
    signal: AbortSignal.timeout(10_000),
  });
  const json: unknown = await res.json().catch(() => ({}));
  return { status: res.status, code: errorAnswer(json)?.code, json: json as Record<string, unknown> };
}

const TASK = `export default { name: 'double', profile: { isolation: 'thread' }, split: (input, n) => Array.from({ length: n }, (_, i) => i),
  run: (x) => x * 2, merge: (r) => r.reduce((a, b) => a + b, 0) };\n`;

describe('bundle upload', () => {
  it('needs the client credential: no token 401, the agent credential 403', async () => {
    const c = await cluster([], [], { splitCredentials: true });
    const hash = sha(TASK);
    expect((await call(c.url, undefined, 'PUT', `/api/bundles/${hash}`, TASK)).status).toBe(401);
    const asAgent = await call(c.url, c.agentToken, 'PUT', `/api/bundles/${hash}`, TASK);
    expect([asAgent.status, asAgent.code]).toEqual([403, ErrorCode.FORBIDDEN]);
    expect((await call(c.url, c.agentToken, 'GET', `/api/bundles/${hash}`)).status).toBe(403);
    // Nothing was stored by either.
    expect((await call(c.url, c.token, 'GET', `/api/bundles/${hash}`)).code).toBe(ErrorCode.BUNDLE_NOT_FOUND);
    const stored = await call(c.url, c.token, 'PUT', `/api/bundles/${hash}`, TASK);
    expect([stored.status, stored.json.stored]).toEqual([201, true]);
    expect((await call(c.url, c.token, 'PUT', `/api/bundles/${hash}`, TASK)).json.stored).toBe(false);
    expect((await call(c.url, c.token, 'GET', `/api/bundles/${hash}`)).json.bytes).toBe(Buffer.byteLength(TASK));
  });

  it('refuses bytes that are not their name, a bad name, an oversized bundle, an unknown ref, and a bundle that is no task', async () => {
    const c = await cluster([], ['--max-bundle-bytes', '4096']);
    const mismatch = await call(c.url, c.token, 'PUT', `/api/bundles/${sha('other')}`, TASK);
    expect([mismatch.status, mismatch.code]).toEqual([400, ErrorCode.BUNDLE_HASH_MISMATCH]);
    const badName = await call(c.url, c.token, 'PUT', '/api/bundles/ABC', TASK);
    expect([badName.status, badName.code]).toEqual([400, ErrorCode.BAD_REQUEST]);
    const big = 'x'.repeat(5000);
    const tooLarge = await call(c.url, c.token, 'PUT', `/api/bundles/${sha(big)}`, big);
    expect([tooLarge.status, tooLarge.code]).toEqual([413, ErrorCode.BUNDLE_TOO_LARGE]);

    const unknown = await call(c.url, c.token, 'POST', '/api/jobs', JSON.stringify({ task: `sha256:${sha('nothing')}`, input: null }));
    expect([unknown.status, unknown.code]).toEqual([404, ErrorCode.BUNDLE_NOT_FOUND]);

    const noProfile = 'export default { name: "np", split: (i, n) => [1, 2], run: (x) => x, merge: (r) => r };\n';
    const bogusProfile = noProfile.replace('merge:', 'profile: { isolation: "bogus" }, merge:');
    for (const source of ['export default 42;\n', 'throw new Error("at load");\n', 'export default {;\n', bogusProfile]) {
      const hash = sha(source);
      expect((await call(c.url, c.token, 'PUT', `/api/bundles/${hash}`, source)).status).toBe(201);
      const submitted = await call(c.url, c.token, 'POST', '/api/jobs', JSON.stringify({ task: `sha256:${hash}`, input: null }));
      expect([submitted.status, submitted.code], source).toEqual([400, ErrorCode.TASK_LOAD_FAILED]);
    }
    // A task written without defineTask gets its defaults (isolation auto).
    await call(c.url, c.token, 'PUT', `/api/bundles/${sha(noProfile)}`, noProfile);
    const defaulted = await call(c.url, c.token, 'POST', '/api/jobs', JSON.stringify({ task: `sha256:${sha(noProfile)}`, input: null }));
    expect([defaulted.status, defaulted.json.partitions]).toEqual([201, 2]);
    // The coordinator is still serving, and a sound bundle still runs its split.
    const hash = sha(TASK);
    await call(c.url, c.token, 'PUT', `/api/bundles/${hash}`, TASK);
    const ok = await call(c.url, c.token, 'POST', '/api/jobs', JSON.stringify({ task: `sha256:${hash}`, input: null, partitions: 3 }));
    expect([ok.status, ok.json.partitions, ok.json.task]).toEqual([201, 3, `sha256:${hash}`]);
  });
});
