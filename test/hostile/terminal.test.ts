/**
 * A peer's text never reaches the terminal raw: an agent whose name is a
 * string of escape sequences (clear the screen, set the title, ring the
 * bell) joins and is lost while `cohort run` follows a job; what `cohort
 * run` prints holds no ESC, BEL or CSI byte.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COHORT_BIN } from '@cohort/cli';
import { PRIMES_1E7, agents, cluster, hello, rawSocket, waitFor } from '../helpers/cluster.js';

const EVIL = '\u001b[2J\u001b]0;pwned\u0007evil\u009b31m';

function cohortRun(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [COHORT_BIN, 'run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => Buffer.concat(out), stderr: () => Buffer.concat(err) };
}

const RAW_CONTROL = [0x1b, 0x07, 0x9b];

describe('terminal safety', () => {
  it('cohort run prints an agent named with escape sequences escaped, with no ESC, BEL or CSI byte', async () => {
    const c = await cluster(agents(1, 'threads'));
    const evil = rawSocket(c.url, c.token);
    await evil.opened;
    evil.ws.send(hello({ name: EVIL }));
    const joined = await waitFor(
      'the evil agent to join',
      async () => {
        const live = await c.api.agents();
        return live.some((a) => a.name === EVIL) ? true : undefined;
      },
      5000,
    ).catch(() => false);

    const run = cohortRun(['primes', '--connect', c.url, '--input', JSON.stringify(PRIMES_1E7.input), '--partitions', '24'], { COHORT_TOKEN: c.token });
    try {
      await waitFor('the run to submit', () => (run.stderr().toString('latin1').includes('submitted') ? true : undefined), 20_000);
      // Its event stream is open once it has printed a progress line (a fixed sleep was flaky under load).
      await waitFor('the run to print progress', () => (/ running \d+\/24/.test(run.stderr().toString('latin1')) ? true : undefined), 20_000);
      evil.ws.terminate(); // → an agent-lost event naming EVIL, to every watcher
      const code = await Promise.race([run.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(code).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
    const printed = Buffer.concat([run.stdout(), run.stderr()]);
    for (const byte of RAW_CONTROL) expect({ byte, at: printed.indexOf(byte) }).toEqual({ byte, at: -1 });
    expect(run.stdout().toString('utf8')).toContain(`result: ${PRIMES_1E7.expected}`);
    if (joined) {
      // The name did reach the terminal, visibly escaped.
      expect(run.stderr().toString('utf8')).toContain('\\x1b[2J\\x1b]0;pwned\\x07evil\\x9b31m');
    }
  });
});
