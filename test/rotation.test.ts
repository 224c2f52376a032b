/**
 * Issue 12, credential rotation over real processes: the coordinator reads
 * --token-file and re-reads it on SIGHUP. A second token is added and an agent
 * joins with it; the first is removed, and the session that joined with it is
 * closed with AUTH_REVOKED at its next heartbeat (its agent exits, naming it,
 * without a reconnect attempt) while the job goes on with no partition lost.
 * A reload from a bad file keeps the old tokens.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, httpBase, spawnAgent, spawnCoordinator, type Spawned } from '@cohort/cli';
import { ErrorCode, FINISHED_JOB_STATUSES, type JobReport } from '@cohort/shared';
import { settlesWithin } from '@cohort/shared/internal';
import { track, waitFor } from './helpers/cluster.js';

const dir = mkdtempSync(join(os.tmpdir(), 'cohort-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = 'token-A-rotation-test-0123456789';
const B = 'token-B-rotation-test-9876543210';
const tokensFile = join(dir, 'tokens');
const logDir = join(dir, 'logs');

function secret(name: string, token: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return file;
}

/** The coordinator's JSON log lines (its stderr, written to logDir). */
function coordinatorLog(): Array<Record<string, unknown>> {
  return readFileSync(join(logDir, 'coordinator.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const logged = (msg: string, extra: Record<string, unknown> = {}) =>
  coordinatorLog().filter((e) => e.msg === msg && Object.entries(extra).every(([k, v]) => e[k] === v));

/** Rewrite the token file and send SIGHUP; resolves once the coordinator has logged the outcome. */
async function rotate(coordinator: Spawned, text: string): Promise<void> {
  const before = logged('signal received', { signal: 'SIGHUP' }).length;
  writeFileSync(tokensFile, text, { mode: 0o600 });
  process.kill(coordinator.pid, 'SIGHUP');
  await waitFor('the reload logged', () => logged('signal received', { signal: 'SIGHUP' }).length > before, 5000);
}

/** The job's report once it has ended, within `timeoutMs`. */
function ended(api: ApiClient, jobId: string, timeoutMs: number): Promise<JobReport> {
  return waitFor(
    'the job to end',
    async () => {
      const r = await api.report(jobId);
      return (FINISHED_JOB_STATUSES as readonly string[]).includes(r.status) ? r : undefined;
    },
    timeoutMs,
  );
}

async function status(url: string, token: string): Promise<number> {
  const res = await fetch(`${httpBase(url)}/api/jobs`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

describe('credential rotation (SIGHUP)', () => {
  it('adds a token, then removes one: its agent is revoked at the next heartbeat, and no partition is lost', async () => {
    writeFileSync(tokensFile, `# the client and agent tokens\n${A}\n`, { mode: 0o600 });
    const coordinator = track(
      await spawnCoordinator({ args: ['--port', '0', '--token-file', tokensFile, '--heartbeat-ms', '100', '--heartbeat-timeout-ms', '2000'], logDir }),
    );
    const url = coordinator.url;
    const a1 = track(await spawnAgent({ name: 'a1', args: ['--connect', url, '--token-file', secret('agent-A', A), '--slots', '2'], logDir }));

    await rotate(coordinator, `${A}\n${B}\n`);
    expect(logged('credentials reloaded').at(-1)).toMatchObject({ client: 2, agent: 2 });
    const a2 = track(await spawnAgent({ name: 'a2', args: ['--connect', url, '--token-file', secret('agent-B', B), '--slots', '2'], logDir }));

    // A job long enough to be running when A is removed: 30 partitions of 150 ms on 4 slots.
    const apiB = new ApiClient({ url, token: B });
    const { jobId } = await apiB.submit({ task: 'sleep', input: { ms: 150 }, partitions: 30 });
    await waitFor('agent 1 holds partitions', async () => (await apiB.agents()).some((a) => a.name === 'a1' && a.held > 0), 5000);

    await rotate(coordinator, `${B}\n`);
    expect(logged('credentials reloaded').at(-1)).toMatchObject({ client: 1, agent: 1 });
    await waitFor('agent 1 revoked', () => logged('agent session revoked', { name: 'a1', code: ErrorCode.AUTH_REVOKED }).length > 0, 5000);
    // Agent 1's process ends on the close 4010 itself, naming AUTH_REVOKED, without trying to reconnect (which would be refused, 401).
    const exit = (await settlesWithin(a1.exited, 5000)) ? await a1.exited : 'still running'; // the timer cleared either way
    expect(exit, a1.stderrTail()).toEqual({ code: 1, signal: null });
    expect(a1.stderrTail()).toContain(ErrorCode.AUTH_REVOKED);
    expect(logged('agent upgrade refused')).toHaveLength(0);

    const report = await ended(apiB, jobId, 15_000);
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(30 * 150);
    expect(report.done).toBe(30);
    expect(report.requeued).toBeGreaterThan(0); // agent 1's partitions went back to the queue
    expect(logged('agent session revoked').filter((e) => e.name === 'a2')).toHaveLength(0);
    expect((await apiB.agents()).find((a) => a.name === 'a2')?.state).toBe('ready');

    expect(await status(url, A)).toBe(401);
    expect(await status(url, B)).toBe(200);
    expect(readFileSync(join(logDir, 'coordinator.log'), 'utf8')).not.toContain(A);

    // Hostile: a reload from an empty, then a missing, file keeps the old tokens; agent 2 goes on serving.
    for (const spoil of [() => writeFileSync(tokensFile, '\n# nothing\n'), () => rmSync(tokensFile)]) {
      const failures = logged('credentials not reloaded; the old tokens stay').length;
      const signals = logged('signal received', { signal: 'SIGHUP' }).length;
      spoil();
      process.kill(coordinator.pid, 'SIGHUP');
      await waitFor('the failed reload logged', () => logged('signal received', { signal: 'SIGHUP' }).length > signals, 5000);
      expect(logged('credentials not reloaded; the old tokens stay').length).toBe(failures + 1);
      expect(logged('signal received', { signal: 'SIGHUP' }).at(-1)).toMatchObject({ level: 'error', reloaded: false, code: ErrorCode.INVALID_OPTION });
    }
    const again = await apiB.submit({ task: 'sleep', input: { ms: 1 }, partitions: 4 });
    expect(await ended(apiB, again.jobId, 10_000)).toMatchObject({ status: 'succeeded', result: 4 });
    expect(a2.child.exitCode).toBeNull();
    expect(await status(url, B)).toBe(200);
    expect(await status(url, A)).toBe(401);
    expect(logged('agent upgrade refused')).toHaveLength(0); // still none: agent 1 never came back
  }, 40_000);
});
