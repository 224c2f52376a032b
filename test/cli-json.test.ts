/**
 * `cohort run --json` prints exactly one JSON object on stdout in every case,
 * run as a user runs it: the real binary against a real coordinator.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COHORT_BIN } from '@cohort/cli';
import { agents, cluster } from './helpers/cluster.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-cli-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `cohort ARGS` with `stdin` piped in, to its exit (SIGKILL after `timeoutMs`). */
function cohort(args: string[], stdin = '', timeoutMs = 20_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COHORT_BIN, ...args], { env: { ...process.env, COHORT_TOKEN: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {}); // the CLI may exit before it reads stdin
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** stdout is exactly one line holding one JSON object; that object. */
function onlyObject(ran: Ran): Record<string, unknown> & { error?: { code: string; message: string; details?: Record<string, unknown> } } {
  const lines = ran.stdout.split('\n');
  expect(lines, `stdout: ${ran.stdout}\nstderr: ${ran.stderr}`).toHaveLength(2);
  expect(lines[1]).toBe('');
  const value = JSON.parse(lines[0] as string) as unknown;
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return value as ReturnType<typeof onlyObject>;
}

describe('cohort run --json', () => {
  it('prints one object in every case: a refused submission, a bad --input file, a usage error, a lost coordinator, a job fed on stdin', async () => {
    const c = await cluster(agents(1, 'threads'));
    const connect = ['--connect', c.url, '--token', c.token, '--json'];
    const badFile = path.join(dir, 'bad.json');
    writeFileSync(badFile, '{\n  "from": 0,\n  "to" 100\n}\n');
    const [unknown, bad, missing, usage, unreachable] = await Promise.all([
      cohort(['run', 'prims', ...connect]),
      cohort(['run', 'primes', ...connect, '--input', `@${badFile}`]),
      cohort(['run', 'primes', ...connect, '--input', `@${path.join(dir, 'missing.json')}`]),
      cohort(['run', 'primes', ...connect, '--partitions', 'many']),
      cohort(['run', 'primes', '--connect', 'ws://127.0.0.1:1', '--json', '--input', '{"from":0,"to":10}']),
    ]);

    expect(unknown.code).toBe(1);
    const refused = onlyObject(unknown);
    expect(refused).toMatchObject({ task: 'prims', error: { code: 'UNKNOWN_TASK', details: { suggestion: 'primes' } } });
    // The coordinator's message reaches the user in full, on stderr too.
    expect(refused.error?.message).toContain('did you mean "primes"?');
    expect(unknown.stderr).toContain(refused.error?.message);

    expect(bad.code).toBe(2);
    expect(onlyObject(bad)).toMatchObject({ task: 'primes', error: { code: 'INVALID_OPTION', details: { line: 3, column: 8 } } });
    expect(missing.code).toBe(2);
    expect(onlyObject(missing)).toMatchObject({ error: { code: 'INVALID_OPTION', details: { path: path.join(dir, 'missing.json') } } });
    expect(usage.code).toBe(2);
    expect(onlyObject(usage).error?.code).toBe('INVALID_OPTION');
    expect(unreachable.code).toBe(1);
    expect(onlyObject(unreachable)).toMatchObject({ task: 'primes', error: { code: 'CONNECT_FAILED' } });
    // None of them submitted a job.
    expect(await c.api.jobs()).toEqual([]);

    const ok = await cohort(['run', 'primes', ...connect, '--input', '-', '--partitions', '4'], '{"from":0,"to":100000}');
    expect(ok.code).toBe(0);
    expect(onlyObject(ok)).toMatchObject({ task: 'primes', status: 'succeeded', result: 9592, partitions: 4 });
  });
});
