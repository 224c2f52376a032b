/**
 * How `cohort run` shows progress: a redrawn line on a TTY, plain lines
 * (at most one a second) otherwise. Always on stderr: stdout carries results.
 */
import { printable, type JobProgress } from '@cohort/shared';

export class ProgressView {
  private lastPlainAt = 0;
  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  update(p: JobProgress): void {
    const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
    // Every field came from the coordinator: escaped, so that none can move the cursor.
    const line = printable(
      `${p.jobId} ${p.status} ${p.done}/${p.total} (${pct}%) running ${p.running}, attempts ${p.attempts}, requeued ${p.requeued}, duplicates ${p.duplicates}`,
    );
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line}`);
    } else if (Date.now() - this.lastPlainAt >= 1000) {
      this.lastPlainAt = Date.now();
      this.out.write(`${line}\n`);
    }
  }

  /** `text` is written as given: callers escape peer text in it with `printable`. */
  event(text: string): void {
    this.out.write(this.tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }

  end(): void {
    if (this.tty) this.out.write('\n');
  }
}
