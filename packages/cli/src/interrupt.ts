/**
 * Ctrl-C in `cohort run`: the first SIGINT cancels the job (DELETE
 * /api/jobs/:id) and says so ("cancelling job …", then "job … cancelled"),
 * then stops following it; the command exits 130. A SIGINT before the job
 * has an id cancels it as soon as it has one. A second SIGINT exits at once.
 * While the coordinator cannot be reached (it is restarting: the job comes
 * back from its journal), the cancel is retried with backoff for
 * `retryForMs`, and the user is told so once.
 */
import { CohortError, ErrorCode, printable, printableLines, toWireError, type JobReport } from '@cohort/shared';
import { Backoff, deferred } from '@cohort/shared/internal';
import { DEFAULT_REATTACH_TIMEOUT_MS, unreachable } from './run-job.js';

/** The exit code after an interrupt: 128 + SIGINT (2), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

export interface InterruptOptions {
  /** Say a line (on stderr, above the progress bar). */
  say(line: string): void;
  cancel(jobId: string): Promise<JobReport>;
  /** Aborted once the cancel has been answered (or failed): stop following. */
  abort: AbortController;
  /** Exit the process at once (second SIGINT); default process.exit. */
  exit?(code: number): void;
  /** How long to keep retrying a cancel the coordinator could not be reached for (as long as `cohort run` re-attaches: DEFAULT_REATTACH_TIMEOUT_MS). */
  retryForMs?: number;
  /** Backoff between those tries (tests shorten it). */
  backoff?: { initialMs: number; maxMs: number };
}

export class Interrupt {
  private jobId: string | undefined;
  private fired = false;
  private readonly finished = deferred<JobReport | undefined>();
  private readonly onSignal = () => this.signal();

  constructor(private readonly options: InterruptOptions) {}

  /** Listen for SIGINT (until `uninstall`). */
  install(): this {
    process.on('SIGINT', this.onSignal);
    return this;
  }

  uninstall(): void {
    process.off('SIGINT', this.onSignal);
  }

  /** True once a SIGINT came. */
  get interrupted(): boolean {
    return this.fired;
  }

  /**
   * After the command stopped following: the cancel's answer (the job's
   * report, or undefined if it failed), or undefined at once if the job never
   * had an id to cancel.
   */
  outcome(): Promise<JobReport | undefined> {
    return this.jobId === undefined ? Promise.resolve(undefined) : this.finished.promise;
  }

  /** The job has an id: cancel it now if a SIGINT came before. */
  submitted(jobId: string): void {
    this.jobId = jobId;
    if (this.fired) void this.cancel(jobId);
  }

  /** What a SIGINT does; public so that tests can press Ctrl-C without a signal. */
  signal(): void {
    if (this.fired) {
      this.options.say('interrupted again: exiting without waiting');
      (this.options.exit ?? process.exit)(INTERRUPTED_EXIT_CODE);
      return;
    }
    this.fired = true;
    if (this.jobId !== undefined) void this.cancel(this.jobId);
    else this.options.say('interrupted: the job will be cancelled as soon as it is submitted (Ctrl-C again to exit at once)');
  }

  private async cancel(jobId: string): Promise<void> {
    const id = printable(jobId);
    this.options.say(`cancelling job ${id} (Ctrl-C again to exit at once)`);
    try {
      const report = await this.cancelRetrying(jobId);
      const status = report.status === 'cancelled' ? 'cancelled' : `had already ${printable(report.status)}`;
      this.options.say(`job ${id} ${status}`);
      this.finished.resolve(report);
    } catch (err) {
      const wire = toWireError(err);
      this.options.say(`could not cancel job ${id}: ${wire.code}: ${printableLines(wire.message)}`);
      this.finished.resolve(undefined);
    }
    this.options.abort.abort(new CohortError(ErrorCode.CANCELLED, `job ${jobId} cancelled by Ctrl-C`));
  }

  /** The cancel, tried again while the coordinator cannot be reached, up to `retryForMs`. */
  private async cancelRetrying(jobId: string): Promise<JobReport> {
    const deadline = Date.now() + (this.options.retryForMs ?? DEFAULT_REATTACH_TIMEOUT_MS);
    const backoff = new Backoff({ initialMs: 200, maxMs: 2000, jitter: true, ...this.options.backoff });
    for (let tries = 1; ; tries++) {
      try {
        return await this.options.cancel(jobId);
      } catch (err) {
        const wait = backoff.next();
        if (!unreachable(err) || Date.now() + wait > deadline) throw err;
        if (tries === 1) this.options.say(`the coordinator cannot be reached (${toWireError(err).code}); still trying to cancel (Ctrl-C again to give up)`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
