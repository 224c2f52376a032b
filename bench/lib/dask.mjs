/**
 * Runs bench/lib/dask-driver.py under /usr/bin/python3 (the interpreter
 * Debian's python3-distributed is installed for: the `python3` first on PATH
 * may be another one) and returns its one JSON line. The driver owns its
 * LocalCluster (2 worker processes × 1 thread, 127.0.0.1, tcp, no dashboard)
 * and closes it; it runs in its own process group, killed whole by its pid
 * when it outlives its time limit.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const DRIVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'dask-driver.py');

/** `{available: true, version}` or `{available: false, note: 'not available: why'}`. */
export function daskAvailable() {
  try {
    const version = execFileSync(PYTHON, ['-c', 'import distributed; print(distributed.__version__)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    return { available: true, version: version.trim() };
  } catch (err) {
    const why = err.code === 'ENOENT' ? `${PYTHON} not found` : `${PYTHON} -c 'import distributed' fails`;
    return { available: false, note: `not available: ${why} (Debian: apt-get install python3-distributed)` };
  }
}

/** One driver run: resolves with its JSON result, rejects (after killing its process group) past `timeoutMs`. */
export function daskRun(spec, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [DRIVER, JSON.stringify(spec)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      reject(new Error(`dask driver (${spec.what}) past ${timeoutMs} ms: killed`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1);
      if (code === 0 && line) return resolve(JSON.parse(line));
      reject(new Error(`dask driver (${spec.what}) exited ${code}: ${err.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}
