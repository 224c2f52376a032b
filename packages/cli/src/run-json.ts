/**
 * What `cohort run --json` prints: exactly one JSON object on stdout, in
 * every case. A job followed to its end prints its summary (with `error`
 * when it failed or was cancelled). Anything that stopped the command before
 * that (a refused submission, a bad flag, a lost coordinator) prints
 * `{error: {code, message, details?}}` with what was known by then: the
 * task, the job id and its last status. Human text goes to stderr.
 */
import type { JobReport } from '@cohort/shared';
import { printableLines } from '@cohort/shared';
import { cliError, isUsageError } from './args.js';

/** What `cohort run` knows so far, filled in as it goes. */
export interface RunKnown {
  /** --json was asked for (before the flags parse: it appears on the command line). */
  json: boolean;
  task?: string | undefined;
  jobId?: string | undefined;
  status?: string | undefined;
}

/** The object printed for a job followed to its end. */
export function jobSummary(report: JobReport) {
  return {
    jobId: report.jobId,
    task: report.task,
    status: report.status,
    result: report.result,
    partitions: report.partitions,
    durationMs: report.durationMs,
    attempts: report.attempts,
    duplicates: report.duplicates,
    agents: report.agents,
    ...(report.error && { error: report.error }),
  };
}

/** The object printed when the command stopped with `err`. */
export function failureSummary(err: unknown, known: RunKnown) {
  const wire = cliError(err);
  return {
    ...(known.jobId !== undefined && { jobId: known.jobId }),
    ...(known.task !== undefined && { task: known.task }),
    ...(known.status !== undefined && { status: known.status }),
    error: { code: wire.code, message: wire.message, ...(wire.details && { details: wire.details }) },
  };
}

/**
 * Report `err` as `--json` does: the one object on stdout, the human line on
 * stderr. The exit code: 2 for a usage error, 1 otherwise.
 */
export function printFailure(err: unknown, known: RunKnown): number {
  const summary = failureSummary(err, known);
  process.stderr.write(`cohort run: ${summary.error.code}: ${printableLines(summary.error.message)}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return isUsageError(err) ? 2 : 1;
}
