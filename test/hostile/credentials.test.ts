/**
 * Issue 8, item 7: task code holds no Cohort secret, and the two roles have
 * their own credentials. The local cluster passes tokens with --token-file,
 * so the agent's environment (which a process slot can read at
 * /proc/<agent pid>/environ) never held one.
 */
import { mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpBase, runJob } from '@cohort/cli';
import { ErrorCode, errorAnswer } from '@cohort/shared';
import { cluster, rawSocket } from '../helpers/cluster.js';

const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cohort-hostile-creds-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A task that returns everything a slot can see of its own and its parent's environment. */
const probe = (isolation: 'thread' | 'process') => `import { readFileSync } from 'node:fs';
const read = (p) => { try { return readFileSync(p, 'latin1'); } catch (err) { return 'unreadable: ' + err.code; } };
export default {
  name: 'env-probe-${isolation}',
  profile: { isolation: '${isolation}' },
  split: (input, n) => Array.from({ length: n }, (_, i) => i),
  run: (p, ctx) => ({ mode: ctx.mode, env: JSON.stringify(process.env), self: read('/proc/self/environ'), parent: read('/proc/' + process.ppid + '/environ'), ppid: process.ppid }),
  merge: (results) => results,
};
`;
writeFileSync(path.join(dir, 'probe-thread.mjs'), probe('thread'));
writeFileSync(path.join(dir, 'probe-process.mjs'), probe('process'));

async function api(url: string, token: string, route = '/api/jobs'): Promise<{ status: number; code: unknown }> {
  const res = await fetch(`${httpBase(url)}${route}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  const body: unknown = await res.json().catch(() => ({}));
  return { status: res.status, code: errorAnswer(body)?.code };
}

function allLogs(logDir: string): string {
  return readdirSync(logDir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => readFileSync(path.join(logDir, f), 'utf8'))
    .join('\n');
}

describe('hostile: credentials', () => {
  it.each(['thread', 'process'] as const)("a %s slot sees no token in its environment nor its parent's", async (isolation) => {
    const c = await cluster([{ name: 'a1', mode: 'auto', slots: 1 }], [], { tasksDirs: [dir], splitCredentials: true });
    const report = await runJob({ url: c.url, token: c.token, task: `probe-${isolation}.mjs`, partitions: 2 });
    expect(report.status).toBe('succeeded');
    const seen = report.result as Array<{ mode: string; env: string; self: string; parent: string; ppid: number }>;
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s.mode).toBe(isolation);
      for (const secret of [c.token, c.agentToken]) {
        expect(s.env).not.toContain(secret);
        expect(s.self).not.toContain(secret);
        expect(s.parent).not.toContain(secret);
      }
      expect(s.env).not.toMatch(/COHORT_[A-Z_]*TOKEN/);
      // The probe really read something: a process slot's parent is the agent.
      if (isolation === 'process') {
        expect(s.ppid).toBe(c.agents[0]!.pid);
        expect(s.parent.startsWith('unreadable')).toBe(false);
      }
    }
  });

  it('split credentials: the agent token joins but is refused on /api; the client token is refused at the upgrade', async () => {
    const c = await cluster([{ name: 'a1', mode: 'threads', slots: 1 }], [], { splitCredentials: true });
    expect(c.agentToken).not.toBe(c.token);
    // The agent joined with its own credential (cluster() waited for it), and the client's works on /api.
    expect((await api(c.url, c.token)).status).toBe(200);
    const report = await runJob({ url: c.url, token: c.token, task: 'noop', partitions: 4 });
    expect(report.status).toBe('succeeded');

    const asAgent = await api(c.url, c.agentToken);
    expect(asAgent).toEqual({ status: 403, code: ErrorCode.FORBIDDEN });
    expect((await api(c.url, c.agentToken, '/api/agents')).status).toBe(403);
    expect(await api(c.url, 'wrong')).toEqual({ status: 401, code: ErrorCode.AUTH_FAILED });

    const client = rawSocket(c.url, c.token);
    expect((await client.refused).status).toBe(401);
    const agent = rawSocket(c.url, c.agentToken);
    await agent.opened;
    agent.ws.close();

    const logs = `${allLogs(c.logDir)}\n${c.coordinator.stderrTail()}\n${c.agents.map((a) => a.stderrTail()).join('\n')}`;
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(c.token);
    expect(logs).not.toContain(c.agentToken);
  });

  it('one --token grants both roles, as before', async () => {
    const c = await cluster([{ name: 'a1', mode: 'threads', slots: 1 }]);
    expect(c.agentToken).toBe(c.token);
    expect((await api(c.url, c.token)).status).toBe(200);
    const agent = rawSocket(c.url, c.token);
    await agent.opened;
    agent.ws.close();
    const stranger = rawSocket(c.url, 'wrong');
    expect((await stranger.refused).status).toBe(401);
  });
});
