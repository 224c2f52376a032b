/**
 * The CLI verbs and `cohort run`'s Ctrl-C, --detach and no-agents hint
 * against a real coordinator and agent on loopback. Signals and COHORT_URL
 * are tried on the real binary; the verbs' answers are checked with `main()`
 * in this process (a process start costs most of a second on a loaded
 * machine). Hostile answers come from a fake coordinator (node:http) that
 * also counts the requests it gets.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, COHORT_BIN, main, runCohort, spawnCoordinator, startLocalCluster, stopAll, type CoordinatorProcess, type LocalCluster } from '@cohort/cli';
import { waitFor } from './helpers/cluster.js';

let c: LocalCluster;
let api: ApiClient;
/** The client environment: the coordinator and token from COHORT_URL and COHORT_TOKEN, not from flags. */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  c = await startLocalCluster({ agents: [{ name: 'v1', mode: 'threads', slots: 2 }] });
  api = new ApiClient({ url: c.url, token: c.token });
  env = { COHORT_URL: c.url.replace('ws://', 'http://'), COHORT_TOKEN: c.token };
});
afterAll(() => c?.stop());

/** The real binary, to its exit. */
const spawned = (args: string[], extra: NodeJS.ProcessEnv = env) => runCohort(args, { env: extra, timeoutMs: 15_000 });

/** `main(args)` in this process, with `extra` in the environment and stdout and stderr captured; one at a time. */
async function cohort(args: string[], extra: NodeJS.ProcessEnv = env): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { env: { ...process.env }, out: process.stdout.write, err: process.stderr.write };
  const ran = { code: -1, stdout: '', stderr: '' };
  Object.assign(process.env, extra);
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete process.env[k];
  const capture = (key: 'stdout' | 'stderr') =>
    ((s: string) => {
      ran[key] += s;
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    ran.code = await main(args);
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.env = saved.env;
  }
  return ran;
}

/** stdout as one JSON document. */
function json(ran: { stdout: string; stderr: string }): Record<string, unknown> & { error?: { code: string; message: string } } {
  const lines = ran.stdout.split('\n');
  expect(lines, `stdout: ${ran.stdout}\nstderr: ${ran.stderr}`).toHaveLength(2);
  return JSON.parse(lines[0]!);
}

/** `cohort ARGS`, running: its output so far, a signal, its exit. */
function started(args: string[], extra: NodeJS.ProcessEnv = env) {
  const child = spawn(process.execPath, [COHORT_BIN, ...args], { env: { ...process.env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { child, out, exited };
}

const SLOW = ['sleep', '--input', '{"ms":400}', '--partitions', '40'];

describe('cohort status, jobs, agents (COHORT_URL and COHORT_TOKEN, no --connect)', () => {
  it('answer with what the API says, as JSON and as tables', async () => {
    const job = await api.submit({ task: 'sleep', input: { ms: 5 }, partitions: 4 });
    await waitFor('the job to end', async () => (await api.report(job.jobId)).status === 'succeeded');
    const status = await cohort(['status', '--json']);
    const jobs = await cohort(['jobs', '--json']);
    const agents = await cohort(['agents', '--json']);
    const statusText = await cohort(['status']);
    const jobsText = await cohort(['jobs']);
    const agentsText = await cohort(['agents']);
    for (const ran of [status, jobs, agents, statusText, jobsText, agentsText]) expect(ran.code, ran.stderr).toBe(0);
    expect(json(jobs)).toEqual({ jobs: await api.jobs() });
    const live = await api.agents();
    const pick = (a: Record<string, unknown>) => ({ name: a.name, state: a.state, slots: a.slots, mode: a.mode, accepted: a.accepted });
    expect((json(agents).agents as Array<Record<string, unknown>>).map(pick)).toEqual(live.map((a) => pick(a as never)));
    expect(json(status).summary).toMatchObject({
      agents: { ready: 1 },
      slots: { thread: 2, process: 0 },
      jobsRunning: 0,
      jobsQueued: 0,
      jobs: { succeeded: 1 },
    });
    expect(statusText.stdout).toContain('agents  1 ready');
    expect(statusText.stdout).toMatch(/\nv1 +ready +threads +2 +0 +4 +0 /);
    expect(jobsText.stdout).toMatch(
      new RegExp(`^JOB +TASK +STATUS +DONE +RUNNING +QUEUED +ATTEMPTS +REQUEUED\n${job.jobId} +sleep +succeeded +4/4 +0 +0 +4 +0\n$`),
    );
    expect(agentsText.stdout.split('\n')[0]).toMatch(/^NAME +STATE +MODE +SLOTS +HELD +ACCEPTED +FAILED +HEARTBEAT +CPU +MEM +ESCALATED$/);
    const log = await cohort(['logs', job.jobId, '--json']);
    expect(json(log)).toEqual(await api.request('GET', `/api/jobs/${job.jobId}/log`));
    const logText = await cohort(['logs', job.jobId]);
    expect(logText.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} info  job ${job.jobId} submitted: sleep, 4 partitions\n`));
    expect(logText.stdout).toContain(`job ${job.jobId} succeeded`);
    expect((await cohort(['logs', 'j_zzzzzzzzzz', '--json'])).stdout).toContain('"code":"NOT_FOUND"');
  });

  it('logs --follow prints each new item once, until the job ends', async () => {
    const job = await api.submit({ task: 'sleep', input: { ms: 150 }, partitions: 6 });
    const ran = await cohort(['logs', job.jobId, '--follow', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect((await api.report(job.jobId)).status).toBe('succeeded');
    const items = ran.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; text: string });
    expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);
    expect(items[0]!.text).toContain('submitted');
    expect(items.at(-1)!.text).toContain('succeeded');
  });

  it('take an explicit --connect over COHORT_URL, and say so when neither is set', async () => {
    const binary = await spawned(['status', '--json']);
    expect(binary.code, binary.stderr).toBe(0);
    expect(json(binary).summary).toMatchObject({ agents: { ready: 1 } });
    const wrong = { ...env, COHORT_URL: 'http://127.0.0.1:1' };
    expect((await cohort(['jobs', '--json', '--connect', c.url], wrong)).code).toBe(0);
    const refused = await cohort(['jobs', '--json'], wrong);
    expect(refused.code).toBe(1);
    expect(json(refused).error?.code).toBe('CONNECT_FAILED');
    const none = await cohort(['agents', '--json'], { COHORT_URL: undefined, COHORT_TOKEN: c.token });
    expect(none.code).toBe(2);
    expect(json(none).error?.code).toBe('INVALID_OPTION');
    const badToken = await cohort(['status', '--json'], { ...env, COHORT_TOKEN: 'wrong' });
    expect(json(badToken).error?.code).toBe('AUTH_FAILED');
  });
});

describe('cohort cancel', () => {
  it('cancels a running job; a finished one is reported; an unknown id is NOT_FOUND', async () => {
    const job = await api.submit({ task: 'sleep', input: { ms: 400 }, partitions: 40 });
    await waitFor('the job to run', async () => (await api.report(job.jobId)).done > 0);
    const ran = await cohort(['cancel', job.jobId, '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(json(ran)).toMatchObject({ jobId: job.jobId, status: 'cancelled', alreadyFinished: false });
    expect((await api.report(job.jobId)).status).toBe('cancelled');
    const again = await cohort(['cancel', job.jobId]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`job ${job.jobId} had already been cancelled: nothing to cancel\n`);
    const unknown = await cohort(['cancel', 'j_zzzzzzzzzz', '--json']);
    expect(unknown.code).toBe(1);
    expect(json(unknown).error?.code).toBe('NOT_FOUND');
  });
});

describe('cohort run', () => {
  it('Ctrl-C cancels the job, says so, and exits 130', async () => {
    const run = started(['run', ...SLOW, '--json']);
    const jobId = await waitFor('progress on stderr', () => /^(j_[0-9a-z]{10}) (queued|running) \d+\/40 /m.exec(run.out.stderr)?.[1]);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.out.stderr).toContain(`cancelling job ${jobId}`);
    expect(run.out.stderr).toContain(`job ${jobId} cancelled\n`);
    expect(json(run.out)).toMatchObject({ jobId, status: 'cancelled', error: { code: 'CANCELLED' } });
    expect((await api.report(jobId)).status).toBe('cancelled');
  });

  it('--detach prints the job id and the commands to follow or cancel it, and exits 0 while the job runs on', async () => {
    const ran = await spawned(['run', ...SLOW, '--detach']);
    expect(ran.code, ran.stderr).toBe(0);
    const jobId = ran.stdout.split('\n')[0]!;
    expect(jobId).toMatch(/^j_[0-9a-z]{10}$/);
    expect(ran.stdout).toContain(`cohort logs ${jobId} --follow`);
    expect(ran.stdout).toContain('cohort jobs');
    expect(ran.stdout).toContain(`cohort cancel ${jobId}`);
    expect(['queued', 'running']).toContain((await api.report(jobId)).status);
    const detachedJson = await spawned(['run', ...SLOW, '--detach', '--json']);
    const second = json(detachedJson);
    expect(Object.keys(second).sort()).toEqual(['jobId', 'partitions', 'status', 'task']);
    for (const id of [jobId, second.jobId as string]) await api.cancel(id);
  });
});

describe('cohort run with no agent', () => {
  let bare: CoordinatorProcess | undefined;
  afterAll(() => stopAll([bare]));

  it('hints that no agent is connected (COHORT_NO_AGENTS_HINT_MS), and Ctrl-C still cancels the queued job', async () => {
    bare = await spawnCoordinator({ args: ['--host', '127.0.0.1', '--port', '0'] });
    const run = started(['run', 'noop', '--partitions', '3'], { COHORT_URL: bare.url, COHORT_TOKEN: '', COHORT_NO_AGENTS_HINT_MS: '200' });
    // The hint's timer starts before the submission is answered: under load it may come first, so wait for both.
    const hint = `no agents connected: waiting (start one with \`cohort agent --connect ${bare!.url}\`)`;
    const jobId = await waitFor('the hint and the submission', () => run.out.stderr.includes(hint) && /submitted (j_[0-9a-z]{10})/.exec(run.out.stderr)?.[1]);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.out.stderr).toContain(`job ${jobId} cancelled`);
    expect((await new ApiClient({ url: bare.url }).report(jobId!)).status).toBe('cancelled');
  });
});

describe('hostile answers and arguments', () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];
  const evil = 'evil\x1b[2J\x1b]0;pwned\x07\nfake';

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/agents') {
        const hw = { cpus: 1, cpuModel: 'x', memoryBytes: 1, platform: 'linux', arch: 'x64', node: 'v20', hostname: evil };
        const agent = {
          agentId: 'a_0123456789',
          name: evil,
          state: 'ready',
          slots: 1,
          mode: 'threads',
          held: 0,
          window: 1,
          accepted: 0,
          failed: 0,
          silentMs: 5,
          load: null,
          hardware: hw,
          escalated: { [evil]: 'process' },
        };
        res.end(JSON.stringify({ agents: [agent] }));
      } else if (req.url === '/api/jobs') {
        res.end(
          JSON.stringify({
            jobs: [
              {
                jobId: 'j_0123456789',
                task: evil,
                status: 'running',
                done: 0,
                total: 1,
                running: 0,
                assigned: 0,
                attempts: 0,
                requeued: 0,
                duplicates: 0,
                speculative: 0,
              },
            ],
          }),
        );
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: evil } }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('prints a peer string with escape sequences escaped, in every table and error', async () => {
    const outs = [];
    for (const args of [['status'], ['agents'], ['jobs'], ['cancel', 'j_0123456789']]) outs.push(await cohort([...args, '--connect', url]));
    for (const ran of outs) {
      expect(`${ran.stdout}${ran.stderr}`).not.toContain('\x1b');
      expect(`${ran.stdout}${ran.stderr}`).not.toContain('\x07');
      expect(`${ran.stdout}${ran.stderr}`).toContain('evil\\x1b[2J\\x1b]0;pwned\\x07');
    }
    // In a table a newline is escaped too: one row per agent, one per job.
    expect(outs[1]!.stdout.split('\n')).toHaveLength(3);
    expect(outs[2]!.stdout).toContain('evil\\x1b[2J\\x1b]0;pwned\\x07\\x0afake');
  });

  it('refuses a job id that is not one, before any request (no path traversal)', async () => {
    requests.length = 0;
    for (const verb of ['cancel', 'logs']) {
      for (const bad of ['../agents', '..', 'j_0123456789/../../agents', '%2e%2e']) {
        const ran = await cohort([verb, bad, '--connect', url, '--json']);
        expect(ran.code).toBe(1);
        expect(json(ran).error?.code).toBe('BAD_REQUEST');
      }
    }
    expect(requests).toEqual([]);
  });
});
