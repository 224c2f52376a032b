/** The machine a run happened on, recorded with every result file. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export function machine() {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    // The result files and the report a run rewrites are not changes to what it measures.
    const measured = ['.', ':!bench/results', ':!docs/threads-vs-processes.md', ':!docs/charts'];
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', ...measured], { encoding: 'utf8' }).trim() !== '';
  } catch {}
  return {
    hostname: os.hostname(),
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    platform: `${process.platform} ${os.release()}`,
    arch: process.arch,
    node: process.version,
    v8: process.versions.v8,
    commit,
    dirty,
    loadavgAtStart: os.loadavg(),
  };
}
