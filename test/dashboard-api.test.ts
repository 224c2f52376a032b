/**
 * The dashboard's routes on a real coordinator with two agent processes:
 * the snapshot, a job's progress in the updates, an agent SIGKILLed (the
 * feed and the throughput chart say so within a second), the job's log and
 * view, and what a stranger gets. A dashboard that never reads is dropped:
 * see packages/coordinator/src/dashboard/streams.test.ts.
 */
import { runJob } from '@cohort/cli';
import { ErrorCode, type DashboardHead, type DashboardJobDetail, type DashboardSnapshot, type DashboardUpdate, type JobLog } from '@cohort/shared';
import { describe, expect, it } from 'vitest';
import { agents, cluster, waitFor } from './helpers/cluster.js';

interface Received {
  event: string;
  data: DashboardSnapshot | DashboardUpdate;
  at: number;
}

/** Read `GET /api/dashboard/events` as it comes, into a list of events with their arrival times. */
async function dashboardStream(base: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/dashboard/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const received: Received[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) received.push({ event, data: JSON.parse(data), at: Date.now() });
      }
    }
  })().catch(() => {});
  const close = () => {
    controller.abort();
    return reading;
  };
  return { received, close };
}

describe('dashboard API', () => {
  it('streams the agents, a job’s progress, an agent lost, and the job’s log', async () => {
    const c = await cluster(agents(2, 'threads', 2));
    const base = c.url.replace(/^ws/, 'http');
    const auth = { authorization: `Bearer ${c.token}` };
    const stream = await dashboardStream(base, c.token);
    const snapshot = await waitFor('the snapshot', () => stream.received[0], 5000);
    expect(snapshot.event).toBe('snapshot');
    expect(snapshot.data.agents.map((a) => [a.name, a.state, a.slots]).sort()).toEqual([
      ['threads-1', 'ready', 2],
      ['threads-2', 'ready', 2],
    ]);
    expect(snapshot.data.cluster.slots.thread).toBe(4);

    const job = runJob({ url: c.url, token: c.token, task: 'sleep', input: { ms: 100 }, partitions: 40 });
    const progress = await waitFor(
      'an update with the job part-done',
      () => stream.received.find((r) => r.event === 'update' && r.data.jobs.some((j) => j.done >= 8 && j.status === 'running')),
      10_000,
    );
    const jobId = progress.data.jobs[0]!.jobId;
    const victim = c.agents[0]!;
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    const lostText = `agent ${victim.name} lost: connection closed`;
    const lost = await waitFor(
      'the loss in the feed',
      () => stream.received.find((r) => r.at >= killedAt && r.data.feed.some((f) => f.text.startsWith(lostText))),
      5000,
    );
    expect(lost.at - killedAt).toBeLessThan(1000);
    expect(lost.data.markers).toContainEqual(expect.objectContaining({ kind: 'agent-lost', agent: victim.name }));
    expect(lost.data.agents.find((a) => a.name === victim.name)).toMatchObject({ state: 'dead', lostReason: 'connection closed' });

    const report = await job;
    expect(report.status).toBe('succeeded');
    await waitFor('the end in an update', () => stream.received.some((r) => r.data.jobs.some((j) => j.jobId === jobId && j.status === 'succeeded')), 5000);
    const updates = stream.received.filter((r) => r.event === 'update');
    const done = updates.flatMap((u) => u.data.jobs.filter((j) => j.jobId === jobId).map((j) => j.done));
    expect(new Set(done).size).toBeGreaterThan(2); // the progress moved, update after update
    expect(updates.flatMap((u) => u.data.bars).some((b) => b.jobId === jobId && b.outcome === 'ok')).toBe(true);
    await stream.close();

    const log = (await (await fetch(`${base}/api/jobs/${jobId}/log`, { headers: auth })).json()) as JobLog;
    expect(log.items.map((i) => i.text)).toEqual([
      `job ${jobId} submitted: sleep, 40 partitions`,
      expect.stringMatching(new RegExp(`^job ${jobId} succeeded in [0-9.]+ m?s$`)),
    ]);
    const detail = (await (await fetch(`${base}/api/dashboard/jobs/${jobId}`, { headers: auth })).json()) as DashboardJobDetail;
    expect(detail.grid.blockSize).toBe(1);
    expect(detail.grid.blocks.reduce((n, b) => n + b.done, 0)).toBe(40);
    expect(detail.shares.reduce((n, s) => n + s.partitions, 0)).toBe(40);
    const head = (await (await fetch(`${base}/api/dashboard`, { headers: auth })).json()) as DashboardHead;
    expect(head.cluster.agents).toMatchObject({ ready: 1, dead: 1 });
  });

  it('answers a stranger 401 and an absurd job 404', async () => {
    const c = await cluster(agents(1, 'threads', 1));
    const base = c.url.replace(/^ws/, 'http');
    const code = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}${path}`, { headers });
      const body = (await res.json()) as { error?: { code: string } };
      return [res.status, body.error?.code];
    };
    expect(await code('/api/dashboard')).toEqual([401, ErrorCode.AUTH_FAILED]);
    expect(await code('/api/dashboard/events')).toEqual([401, ErrorCode.AUTH_FAILED]);
    expect(await code('/api/dashboard', { authorization: 'Bearer wrong' })).toEqual([401, ErrorCode.AUTH_FAILED]);
    expect(await code('/api/jobs/j_0123456789/log')).toEqual([401, ErrorCode.AUTH_FAILED]);
    const auth = { authorization: `Bearer ${c.token}` };
    for (const id of ['j_zzzzzzzzzz', 'x'.repeat(4000), '..%2F..%2Fetc', '%00', 'j_0123456789%0a']) {
      expect(await code(`/api/dashboard/jobs/${id}`, auth)).toEqual([404, ErrorCode.NOT_FOUND]);
      expect(await code(`/api/jobs/${id}/log`, auth)).toEqual([404, ErrorCode.NOT_FOUND]);
    }
    expect(await code('/api/dashboard/nothing', auth)).toEqual([404, ErrorCode.NOT_FOUND]);
  });
});
