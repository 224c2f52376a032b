import { parseArgs } from 'node:util';
import { CohortError, ErrorCode, printable, resolveToken } from '@cohort/shared';
import type { JobReport } from '@cohort/coordinator';
import { COMMON_FLAGS, CONNECT_FLAGS, intOptions, jsonFlag, secretFlag, stringFlags } from '../args.js';
import { ProgressView } from '../progress-view.js';
import { runJob } from '../run-job.js';

export const RUN_HELP = `cohort run TASK --connect ws://HOST:PORT [--token T | --token-file F] [--input JSON] [--partitions N]
    [--timeout-ms N] [--max-attempts N] [--attach JOBID] [--json]
  TASK is a built-in name (primes, noop…); or the path of your own task module (./task.ts, .mts,
  .js or .mjs; relative or absolute), which is bundled with everything it imports, named by its
  SHA-256 and shipped to the coordinator and the agents; or the file name of a module in the
  coordinator's --tasks-dir.
  Submits a job and follows it. Exit 0 on success, 1 when the job fails, 2 on a usage error.
  --json prints exactly one JSON object on stdout:
    {jobId, task, status, result, partitions, durationMs, attempts, duplicates, agents, error?}`;

/** The integer flags, in the order they are checked, with the option each sets. */
const INT_FLAGS = { partitions: 'partitions', 'timeout-ms': 'timeoutMs', 'max-attempts': 'maxAttempts' } as const;

const FLAGS = {
  ...CONNECT_FLAGS,
  input: { type: 'string' },
  attach: { type: 'string' },
  json: { type: 'boolean' },
  ...stringFlags(INT_FLAGS),
  ...COMMON_FLAGS,
} as const;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: FLAGS, strict: true });
  if (values.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const task = positionals[0];
  if (!values.connect) throw new CohortError(ErrorCode.INVALID_OPTION, '--connect ws://HOST:PORT is required');
  if (!task && !values.attach) throw new CohortError(ErrorCode.INVALID_OPTION, 'name a task (cohort run primes …) or --attach JOBID');
  const view = new ProgressView();
  const report = await runJob({
    url: values.connect,
    token: resolveToken(secretFlag('token', values.token, 'token-file', values['token-file'])),
    ...(task !== undefined && { task }),
    input: jsonFlag('input', values.input),
    ...intOptions(values, INT_FLAGS),
    ...(values.attach !== undefined && { attach: values.attach }),
    onShipped: (b) => {
      if (!values.json)
        view.event(
          `bundled ${printable(b.file)} as ${printable(b.ref.slice(0, 19))}… (${Math.ceil((b.bytes ?? 0) / 1024)} KB, ${b.uploaded ? 'uploaded' : 'already on the coordinator'})`,
        );
    },
    onSubmitted: (r) => {
      if (!values.json) view.event(`submitted ${printable(r.jobId)}: ${printable(r.task)}, ${printable(r.partitions)} partitions`);
    },
    onProgress: (p) => view.update(p),
    onCluster: (e) => {
      if (e.kind === 'agent-lost') view.event(`agent ${printable(e.agent)} lost (${printable(e.reason)}); ${printable(e.requeued)} partitions requeued`);
      else if (e.kind === 'speculative-copy')
        view.event(`speculative copy of partition ${printable(e.partition)} (running ${printable(e.runningMs)} ms on ${printable(e.agent)})`);
    },
    onReattach: (n, err) => view.event(`lost the coordinator (${err.code}); re-attaching (try ${n})`),
  });
  view.end();
  if (values.json) process.stdout.write(`${JSON.stringify(summary(report))}\n`);
  else printReport(report);
  return report.status === 'succeeded' ? 0 : 1;
}

/** The one JSON object `--json` prints. */
function summary(report: JobReport) {
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

function printReport(report: JobReport): void {
  const rate = report.durationMs > 0 ? Math.round((report.partitions * 1000) / report.durationMs) : 0;
  process.stdout.write(`${printable(report.jobId)} ${printable(report.status)} in ${printable(report.durationMs)} ms (${rate} partitions/s)\n`);
  if (report.status === 'succeeded') process.stdout.write(`result: ${JSON.stringify(report.result)}\n`);
  process.stdout.write(
    `partitions ${printable(report.partitions)}, attempts ${printable(report.attempts)}, duplicates ${printable(report.duplicates)}, requeued ${printable(report.requeued)}\n`,
  );
  for (const [name, share] of Object.entries(report.agents)) {
    process.stdout.write(
      `  ${printable(name)}: ${printable(share.partitions)} partitions (${printable(share.thread)} on threads, ${printable(share.process)} in processes)\n`,
    );
  }
  if (report.error) process.stdout.write(`error ${printable(report.error.code)}: ${printable(report.error.message)}\n`);
}
