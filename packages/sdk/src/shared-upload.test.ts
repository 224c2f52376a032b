/**
 * The SDK's shared value: a Buffer, a typed array or a JSON value is
 * uploaded by its SHA-256 through the client (skipped when the coordinator
 * has it, or when this client sent it already), and the submission names it;
 * on a real coordinator in this process (port 0, no agents).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger } from '@cohort/shared';
import { startCoordinator, type Coordinator } from '@cohort/coordinator';
import { ApiClient } from './api-client.js';
import { connect } from './cluster.js';
import { shipShared } from './shared-upload.js';

const TOKEN = 'client-token-for-sdk-shared';
let coordinator: Coordinator;
let url: string;

beforeAll(async () => {
  coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, token: TOKEN, maxSharedBytes: 4096, logger: silentLogger, env: {} });
  url = `http://127.0.0.1:${coordinator.port}`;
});
afterAll(async () => {
  await coordinator?.close();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('shipShared', () => {
  it('uploads a Buffer as bytes, a typed array as its kind (its own bytes) and a JSON value as json, each once', async () => {
    const api = new ApiClient({ url, token: TOKEN });
    try {
      const sent = new Set<string>();
      const buf = Buffer.from('raw bytes');
      expect(await shipShared(api, buf, sent)).toEqual({ hash: sha(buf), kind: 'bytes', bytes: buf.length, uploaded: true });
      expect((await shipShared(api, buf)).uploaded).toBe(false); // the coordinator says it has it
      const floats = new Float32Array([1, 2, 3, 4]).subarray(1, 3); // a view: only its own 8 bytes
      const view = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
      expect(await shipShared(api, floats, sent)).toEqual({ hash: sha(view), kind: 'float32', bytes: 8, uploaded: true });
      const json = await shipShared(api, { a: [1, 2] }, sent);
      expect([json.kind, json.hash]).toEqual(['json', sha(Buffer.from('{"a":[1,2]}'))]);
      expect(await api.sharedSize(json.hash)).toBe(11);
      await expect(shipShared(api, () => 1)).rejects.toMatchObject({ code: ErrorCode.BAD_INPUT });
      await expect(shipShared(api, Buffer.alloc(5000))).rejects.toMatchObject({ code: ErrorCode.SHARED_TOO_LARGE });
    } finally {
      await api.close();
    }
  });

  it('is what submit({shared}) names: the report carries the value', async () => {
    const cluster = await connect(url, { token: TOKEN });
    try {
      const value = new Int32Array([7, 8, 9]);
      const job = await cluster.submit('noop', null, { partitions: 1, shared: value });
      const report = await cluster.api.report(job.id);
      expect(report.shared).toMatchObject({ kind: 'int32', bytes: 12, hash: sha(new Uint8Array(value.buffer)) });
      await cluster.api.cancel(job.id);
    } finally {
      await cluster.close();
    }
  });
});
