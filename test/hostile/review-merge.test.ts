/**
 * Hostile review: a merged result that cannot be stored. The `hash` task's
 * merge returns its partitions' values as they are, so an agent that answers
 * its own attempt with a value nested past the value model's depth (the
 * codec still decodes it) makes the merged result unencodable. That agent's
 * answer is its own to get wrong; but the job must still end for everyone
 * watching it, with a stable code, and the coordinator must keep serving.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runJob } from '@cohort/cli';
import { decodeCoordinatorMessage, encode, ErrorCode, type CoordinatorMessage } from '@cohort/shared';
import { cluster, hello, rawSocket, waitFor } from '../helpers/cluster.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A results frame answering (p, a) with `depth` nested arrays, spliced in by hand (our encoder refuses to write it). */
function deepResults(jobId: string, items: Array<{ p: number; a: number }>, depth: number): Buffer {
  const marker = 0x7eadbeef;
  const frame = encode({
    type: 'results',
    jobId,
    items: items.map(({ p, a }) => ({ p, a, ok: true, value: marker, ms: 1, mode: 'thread', why: 'agent-threads' })),
  });
  const m = encode(marker);
  const nested = Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0xc0])]);
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = frame.indexOf(m); at >= 0; at = frame.indexOf(m, from)) {
    parts.push(frame.subarray(from, at), nested);
    from = at + m.length;
  }
  parts.push(frame.subarray(from));
  return Buffer.concat(parts);
}

describe('a merged result that cannot be stored', () => {
  it('ends the job for its watchers with a stable code, and the coordinator keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-review-merge-'));
    dirs.push(dir);
    const c = await cluster([], ['--state-dir', dir]);
    const raw = rawSocket(c.url, c.token);
    await raw.opened;
    raw.ws.on('message', (data: Buffer) => {
      let msg: CoordinatorMessage;
      try {
        msg = decodeCoordinatorMessage(data);
      } catch {
        return;
      }
      if (msg.type === 'assign') raw.ws.send(deepResults(msg.jobId, msg.items, 1100));
    });
    raw.ws.send(hello({ name: 'deep', maxPrefetch: 4 }));
    const watched = runJob({ url: c.url, token: c.token, task: 'hash', input: { seed: 's', rounds: 1 }, partitions: 2 }).then(
      (report) => ({ report }),
      (error: unknown) => ({ error }),
    );
    const outcome = await waitFor(
      'the job to end for its watcher',
      () => Promise.race([watched, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]),
      20_000,
    );
    expect('report' in outcome).toBe(true);
    if (!('report' in outcome)) throw new Error('the watcher got no report');
    const report = outcome.report;
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe(ErrorCode.RESULT_NOT_SERIALIZABLE);
    expect(await c.api.request('GET', '/healthz')).toMatchObject({ ok: true });
    raw.ws.terminate();
  });
});
