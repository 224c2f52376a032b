/**
 * The error a job fails with when one partition fails every attempt: it
 * names the partition, its input, each attempt's agent, mode and error, and
 * what to try next.
 */
import { ErrorCode, type WireError } from '@cohort/shared';
import type { Job, Partition } from './job.js';

export function summarizeInput(input: unknown, max = 200): string {
  let text: string;
  try {
    text = JSON.stringify(input) ?? String(input);
  } catch {
    text = String(input);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** Codes that mean the task never ran: the agent could not get or load it. */
const NOT_LOADED: ReadonlySet<string> = new Set([
  ErrorCode.UNKNOWN_TASK,
  ErrorCode.TASK_LOAD_FAILED,
  ErrorCode.BUNDLE_FETCH_FAILED,
  ErrorCode.BUNDLE_HASH_MISMATCH,
  ErrorCode.BUNDLE_NOT_FOUND,
  ErrorCode.BUNDLE_TOO_LARGE,
]);

export function partitionFailedError(job: Job, p: Partition): WireError & { code: ErrorCode } {
  const attempts = (p.failures ?? []).map((f) => ({
    attempt: f.attempt,
    agent: f.agent,
    mode: f.mode ?? 'unknown',
    code: f.error.code,
    message: f.error.message,
  }));
  const deaths = p.deaths ?? [];
  const lines = attempts.map((a) => `  attempt ${a.attempt} on ${a.agent} (${a.mode}): ${a.code} ${a.message}`);
  if (deaths.length > 0) lines.push(`  ${deaths.length} agents died while running it: ${deaths.join(', ')}`);
  const crashed = attempts.some((a) => a.code === ErrorCode.SLOT_CRASHED);
  const timedOut = attempts.some((a) => a.code === ErrorCode.PARTITION_TIMEOUT);
  const killer = deaths.length >= job.spec.maxAttempts;
  const unloadable = attempts.length > 0 && attempts.every((a) => NOT_LOADED.has(a.code));
  const next = killer
    ? 'the agents running this partition died each time: it may kill its host (native crash, process.kill, memory). Run it alone on one agent in processes mode and watch that agent'
    : unloadable
      ? 'the agents could not load the task (see the codes above): the task never ran. Ship it by its path (cohort run ./task.ts), or install it in the --tasks-dir of every agent'
      : timedOut
        ? 'raise timeoutMs, or split the job into more partitions'
        : crashed
          ? 'the task crashes its slot on this input: run it alone with `cohort run` and a single partition, and check its memory use (per-slot heap limit)'
          : 'the task throws on this input every time: run it alone with `cohort run` and a single partition to see the error';
  const what = killer ? `took down ${deaths.length} agents` : `failed all ${attempts.length} attempts`;
  return {
    code: ErrorCode.PARTITION_FAILED,
    name: 'CohortError',
    message: `partition ${p.index} of job ${job.id} (task ${job.spec.task}) ${what}:\n${lines.join('\n')}\ninput: ${summarizeInput(p.input)}\nnext: ${next}`,
    details: { jobId: job.id, task: job.spec.task, partition: p.index, input: summarizeInput(p.input), attempts, deaths, next },
  };
}

/** The job fails when a partition has been issued as many attempt numbers as there are (a loss loop). */
export function attemptsExhaustedError(job: Job, p: Partition): WireError & { code: ErrorCode } {
  const next = "the partition was lost again and again (agents leaving or handing it back); check the agents' logs";
  return {
    code: ErrorCode.PARTITION_FAILED,
    name: 'CohortError',
    message: `partition ${p.index} of job ${job.id} (task ${job.spec.task}) was issued ${p.attempt} attempts, the most there may be\nnext: ${next}`,
    details: { jobId: job.id, task: job.spec.task, partition: p.index, attempts: p.attempt, deaths: p.deaths ?? [], next },
  };
}
