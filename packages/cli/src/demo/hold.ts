/**
 * After the demo's job, its cluster can stay up so that the dashboard can
 * still be looked at: the agent lost, the partitions requeued, the
 * throughput before and after. Until Enter, Ctrl-C or `holdMs`, whichever
 * comes first; on a TTY by default, never otherwise unless asked.
 */
import { createInterface } from 'node:readline';

/** How long the demo keeps its cluster up on a TTY after the job: 10 minutes, or until Enter or Ctrl-C. */
export const DEFAULT_DEMO_HOLD_MS = 600_000;

/** The hold: `--hold-ms` when given (kept within what a timer can wait), else the default on a TTY, else none. */
export function holdFor(flag: number | undefined, tty: boolean): number {
  return Math.min(Math.max(0, flag ?? (tty ? DEFAULT_DEMO_HOLD_MS : 0)), 2 ** 31 - 1);
}

/** Resolves on Enter, Ctrl-C (SIGINT) or after `holdMs`; listens on stdin only when it is a TTY. */
export function hold(holdMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const lines = process.stdin.isTTY ? createInterface({ input: process.stdin }) : undefined;
    const done = () => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      lines?.close();
      process.stdin.pause();
      resolve();
    };
    const timer = setTimeout(done, holdMs);
    process.once('SIGINT', done);
    lines?.once('line', done);
  });
}
