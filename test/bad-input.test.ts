/**
 * Bad input fails only the connection or request that carried it, with a
 * stable code, while a real agent keeps working and a job still succeeds.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COHORT_BIN, runJob } from '@cohort/cli';
import { encode, errorAnswer } from '@cohort/shared';
import { PRIMES_1E7, agents, cluster, hello, rawSocket } from './helpers/cluster.js';

function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COHORT_BIN, ...args], { env: { ...process.env, COHORT_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cohort ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('bad input', () => {
  it('refuses a wrong token at the upgrade with AUTH_FAILED, and the agent CLI exits non-zero', async () => {
    const c = await cluster(agents(1, 'threads'));
    const wrong = rawSocket(c.url, 'not-the-token');
    const refused = await wrong.refused;
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error.code).toBe('AUTH_FAILED');
    const none = rawSocket(c.url, undefined);
    expect((await none.refused).status).toBe(401);

    const agent = await runCli(['agent', '--connect', c.url, '--name', 'intruder'], { COHORT_TOKEN: 'wrong' });
    expect(agent.code).not.toBe(0);
    expect(agent.stderr).toContain('AUTH_FAILED');
    expect(agent.stderr).not.toContain('wrong"'); // the token itself is never logged
    await expect(c.api.request('GET', '/api/agents')).resolves.toMatchObject({ agents: [{ name: 'threads-1' }] });

    const anonymous = await fetch(`${c.api.base}/api/jobs`);
    expect(anonymous.status).toBe(401);
    expect(errorAnswer(await anonymous.json())?.code).toBe('AUTH_FAILED');
  });

  it('closes only the connection that sent a garbage frame (BAD_FRAME) while a job runs', async () => {
    const c = await cluster(agents(2, 'threads'));
    const job = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 40 });
    const bad = rawSocket(c.url, c.token);
    await bad.opened;
    bad.ws.send(Buffer.from([0xc1, 0xff, 0x00, 0x13, 0x37]));
    const closed = await bad.closed;
    expect(closed.code).toBe(4002);
    expect(closed.reason.startsWith('BAD_FRAME')).toBe(true);

    // valid msgpack, invalid message: also BAD_FRAME, after a good hello
    const shape = rawSocket(c.url, c.token);
    await shape.opened;
    shape.ws.send(hello({ name: 'shape' }));
    shape.ws.send(encode({ type: 'results', jobId: 'j_0000000000', items: [{ p: 'zero' }] }));
    expect((await shape.closed).code).toBe(4002);

    const report = await job;
    expect(report.result).toBe(PRIMES_1E7.expected);
    const live = await c.api.agents();
    expect(live.map((a) => a.name).sort()).toEqual(['threads-1', 'threads-2']);
  });

  it('refuses a protocol version mismatch, a missing hello and an oversized frame with their codes', async () => {
    const c = await cluster(agents(1, 'threads'), ['--max-payload-bytes', '65536']);
    const old = rawSocket(c.url, c.token);
    await old.opened;
    old.ws.send(hello({ protocol: 99 }));
    const oldClosed = await old.closed;
    expect(oldClosed.code).toBe(4004);
    expect(oldClosed.reason.startsWith('PROTOCOL_VERSION')).toBe(true);

    const rude = rawSocket(c.url, c.token);
    await rude.opened;
    rude.ws.send(encode({ type: 'heartbeat', seq: 1, sentAt: 0 }));
    const rudeClosed = await rude.closed;
    expect(rudeClosed.code).toBe(4005);
    expect(rudeClosed.reason.startsWith('HANDSHAKE_FAILED')).toBe(true);

    const big = rawSocket(c.url, c.token);
    await big.opened;
    big.ws.send(Buffer.alloc(200_000, 1));
    expect((await big.closed).code).toBe(1009);

    const report = await runJob({ url: c.url, token: c.token, task: 'noop', partitions: 100 });
    expect(report.result).toBe(100);
  });

  it('answers an unknown task, bad task input and a bad request with their codes, and keeps running', async () => {
    const c = await cluster(agents(1, 'threads'));
    await expect(c.api.request('POST', '/api/jobs', { task: 'no-such-task', partitions: 2 })).rejects.toMatchObject({ code: 'UNKNOWN_TASK' });
    await expect(c.api.request('POST', '/api/jobs', { task: 'primes', input: { from: 'a' }, partitions: 2 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(c.api.request('POST', '/api/jobs', { task: 'primes', partitions: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.api.request('POST', '/api/jobs', { task: '../../etc/passwd' })).rejects.toMatchObject({ code: 'UNKNOWN_TASK' });
    await expect(c.api.request('GET', '/api/jobs/j_0000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bodyless = await fetch(`${c.api.base}/api/jobs`, { method: 'POST', headers: { authorization: `Bearer ${c.token}` }, body: '{not json' });
    expect(errorAnswer(await bodyless.json())?.code).toBe('BAD_REQUEST');
    const report = await runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 8 });
    expect(report.result).toBe(PRIMES_1E7.expected);
  });

  it('refuses to bind beyond loopback without a token (INSECURE_BIND)', async () => {
    const out = await runCli(['coordinator', '--host', '0.0.0.0', '--port', '0']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('INSECURE_BIND');
    expect(out.stdout).not.toContain('listening');
  });
});
