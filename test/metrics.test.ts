/**
 * GET /metrics on a real cluster (coordinator and agents as processes on
 * loopback), read with a Prometheus text-format parser and checked against
 * the job's report; the credentials it takes and refuses; an agent's own
 * /metrics (--metrics-port).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { httpBase, runJob } from '@cohort/cli';
import { startAgent, type Agent } from '@cohort/agent';
import { ErrorCode, errorAnswer, silentLogger } from '@cohort/shared';
import { cluster, waitFor } from './helpers/cluster.js';
import { PromText } from './helpers/prom-text.js';
import { portOf, rawExchange } from './helpers/raw-http.js';

const N = 300;
const inProcess: Agent[] = [];
afterEach(async () => {
  await Promise.all(inProcess.splice(0).map((a) => a.stop()));
});

async function get(url: string, token?: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(url, { ...(token !== undefined && { headers: { authorization: `Bearer ${token}` } }), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const code = (text: string) => errorAnswer(JSON.parse(text))?.code;

describe('metrics', () => {
  it('agree with the job report, count the SIGKILLed agent as a death, and refuse what has no client credential', async () => {
    const c = await cluster(
      [
        { name: 'm1', mode: 'threads', slots: 1 },
        { name: 'm2', mode: 'threads', slots: 1 },
      ],
      [],
      { splitCredentials: true },
    );
    const metricsUrl = `${httpBase(c.url)}/metrics`;
    const local = await startAgent({ connect: c.url, token: c.agentToken, name: 'm3', mode: 'threads', slots: 1, metricsPort: 0, logger: silentLogger });
    inProcess.push(local);
    await local.ready;

    const report = await runJob({ url: c.url, token: c.token, task: 'noop', partitions: N });
    expect(report.status).toBe('succeeded');
    const ok = await get(metricsUrl, c.token);
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = new PromText(ok.text);
    const accepted =
      m.value('cohort_partitions_completed_total', { outcome: 'ok' }) + m.value('cohort_partitions_completed_total', { outcome: 'speculative-won' });
    expect(accepted).toBe(N);
    expect(report.done).toBe(N);
    expect(m.count('cohort_partition_duration_seconds', { mode: 'thread' }) + m.count('cohort_partition_duration_seconds', { mode: 'process' })).toBe(N);
    expect(m.total('cohort_partition_attempts_total')).toBe(report.attempts);
    expect(m.value('cohort_agents', { state: 'ready' })).toBe(3);
    expect(m.value('cohort_slots', { mode: 'thread' })).toBe(3);
    expect(m.value('cohort_ws_bytes_total', { direction: 'in' })).toBeGreaterThan(0);
    expect(m.value('cohort_ws_bytes_total', { direction: 'out' })).toBeGreaterThan(0);
    expect(m.value('cohort_build_info')).toBe(1);

    // The agent's own endpoint: its token, and what it ran.
    const agentUrl = `http://127.0.0.1:${local.metricsPort}/metrics`;
    expect((await get(agentUrl)).status).toBe(401);
    expect((await get(agentUrl, c.token)).status).toBe(401); // the client credential is not this agent's
    const a = new PromText((await get(agentUrl, c.agentToken)).text);
    expect(a.value('cohort_agent_partitions_total', { mode: 'thread', outcome: 'ok' })).toBeGreaterThanOrEqual(report.agents.m3?.partitions ?? 0);
    expect(a.value('cohort_agent_slots', { mode: 'thread', state: 'idle' })).toBe(1);
    expect(a.value('cohort_agent_slot_starts_total', { mode: 'thread' })).toBe(1);
    expect(a.count('cohort_agent_slot_start_seconds', { mode: 'thread' })).toBe(1);
    expect(a.families.has('nodejs_heap_size_used_bytes')).toBe(true);

    c.agents[0]!.kill('SIGKILL');
    const dead = await waitFor('the death counted', async () => {
      const after = new PromText((await get(metricsUrl, c.token)).text);
      return after.value('cohort_agent_deaths_total', { reason: 'closed' }) === 1 && after;
    });
    expect(dead.value('cohort_agent_deaths_total', { reason: 'timeout' })).toBe(0);
    expect(dead.value('cohort_agents', { state: 'ready' })).toBe(2);

    // Credentials: none, wrong, and the agent's (valid, but not for this route).
    for (const [token, status, expected] of [
      [undefined, 401, ErrorCode.AUTH_FAILED],
      ['wrong', 401, ErrorCode.AUTH_FAILED],
      [c.agentToken, 403, ErrorCode.FORBIDDEN],
    ] as const) {
      const refused = await get(metricsUrl, token);
      expect(refused.status).toBe(status);
      expect(code(refused.text)).toBe(expected);
      expect(refused.text).not.toContain('cohort_');
    }
  });

  it('--metrics-public serves /metrics without a token, and nothing else: absurd paths still meet /api auth', async () => {
    const c = await cluster([], ['--metrics-public']);
    const base = httpBase(c.url);
    const open = await get(`${base}/metrics`);
    expect(open.status).toBe(200);
    expect(new PromText(open.text).value('cohort_agents', { state: 'ready' })).toBe(0);
    expect((await get(`${base}/api/jobs`)).status).toBe(401);
    const port = portOf(base);
    for (const target of [
      '/metrics/../api/jobs',
      '/metrics/%2e%2e/api/jobs',
      '/metrics/..%2fapi/jobs',
      '//metrics/../api/agents',
      '/api/../metrics/../api/jobs',
    ]) {
      const reply = await rawExchange(port, [`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
      expect([401, 404], target).toContain(reply.status);
      expect(reply.text, target).not.toContain('"jobs"');
      expect(reply.text, target).not.toContain('"agents"');
    }
    const post = await rawExchange(port, ['POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n']);
    expect(post.status).toBe(404);
  });
});
