/**
 * A coordinator that cannot listen exits at once, non-zero, with
 * LISTEN_FAILED, and releases its --state-dir lock so that another
 * coordinator can take the directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COHORT_BIN, spawnCoordinator } from '@cohort/cli';
import { agents, cluster, track } from '../helpers/cluster.js';
import { portOf } from '../helpers/raw-http.js';

function coordinatorCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [COHORT_BIN, 'coordinator', ...args], {
      env: { ...process.env, COHORT_TOKEN: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cohort coordinator ${args.join(' ')} still running after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - t0 });
    });
  });
}

describe('listen failure', () => {
  it('exits non-zero at once with LISTEN_FAILED and releases the state-dir lock', async () => {
    const c = await cluster(agents(1, 'threads'));
    const port = portOf(c.url);
    const stateDir = mkdtempSync(join(os.tmpdir(), 'cohort-listen-'));
    const second = await coordinatorCli(['--host', '127.0.0.1', '--port', String(port), '--state-dir', stateDir], 10_000);
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBe(null);
    expect(second.ms).toBeLessThan(8000);
    expect(second.stderr).toContain('LISTEN_FAILED');
    expect(existsSync(join(stateDir, 'coordinator.lock'))).toBe(false);

    // A third coordinator takes the directory on a free port.
    const third = track(await spawnCoordinator({ name: 'third', args: ['--host', '127.0.0.1', '--port', '0', '--state-dir', stateDir] }));
    expect(existsSync(join(stateDir, 'coordinator.lock'))).toBe(true);
    expect(third.stderrTail()).not.toContain('STATE_DIR_LOCKED');
    const health = await fetch(`${third.url.replace('ws:', 'http:')}/healthz`);
    expect(health.status).toBe(200);
  });
});
