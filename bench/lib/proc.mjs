/** Reading a process from /proc (Linux): resident memory and CPU ticks. */
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat; 100 on every Linux this runs on. */
export const CLK_TCK = 100;

/** VmRSS of a process, bytes; 0 if it is gone. */
export function rssBytes(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process (all its threads), seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name "(…)"; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

export const MB = 1024 * 1024;

/** The whole machine's CPU time from /proc/stat, seconds: busy (all but idle and iowait) and total, over every core. */
export function machineCpuSeconds() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = fields[3] + fields[4];
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}
