import { parseArgs } from 'node:util';
import { CohortError, ErrorCode, printable, printableLines, resolveToken } from '@cohort/shared';
import type { JobReport } from '@cohort/coordinator';
import { COMMON_FLAGS, CONNECT_FLAGS, intOptions, secretFlag, stringFlags } from '../args.js';
import { readInputFlag } from '../input-flag.js';
import { ProgressView } from '../progress-view.js';
import { runJob } from '../run-job.js';
import { jobSummary, printFailure, type RunKnown } from '../run-json.js';

export const RUN_HELP = `cohort run TASK --connect ws://HOST:PORT [--token T | --token-file F] [--input JSON | @FILE | -] [--partitions N]
    [--timeout-ms N] [--max-attempts N] [--attach JOBID] [--json]
  TASK is a built-in name (primes, noop…); or the path of your own task module (./task.ts, .mts,
  .js or .mjs; relative or absolute), which is bundled with everything it imports, named by its
  SHA-256 and shipped to the coordinator and the agents; or the file name of a module in the
  coordinator's --tasks-dir.
  --input is inline JSON, @FILE a JSON file, or - to read JSON from stdin (a file or stdin up to the
  coordinator's request body limit, 64 MiB by default).
  Submits a job and follows it. Exit 0 on success, 1 when the job fails, 2 on a usage error.
  --json prints exactly one JSON object on stdout, in every case:
    {jobId, task, status, result, partitions, durationMs, attempts, duplicates, agents, error?}, or, when
    the command stopped before the job ended (refused, bad flag, coordinator lost),
    {error: {code, message, details?}, jobId?, task?, status?}`;

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
  const known: RunKnown = { json: argv.includes('--json') };
  try {
    return await run(argv, known);
  } catch (err) {
    if (!known.json) throw err;
    return printFailure(err, known);
  }
}

async function run(argv: string[], known: RunKnown): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: FLAGS, strict: true });
  known.json = values.json === true;
  if (values.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const task = positionals[0];
  known.task = task;
  known.jobId = values.attach;
  if (!values.connect) throw new CohortError(ErrorCode.INVALID_OPTION, '--connect ws://HOST:PORT is required');
  if (!task && !values.attach) throw new CohortError(ErrorCode.INVALID_OPTION, 'name a task (cohort run primes …) or --attach JOBID');
  const view = new ProgressView();
  const report = await runJob({
    url: values.connect,
    token: resolveToken(secretFlag('token', values.token, 'token-file', values['token-file'])),
    ...(task !== undefined && { task }),
    input: await readInputFlag(values.input),
    ...intOptions(values, INT_FLAGS),
    ...(values.attach !== undefined && { attach: values.attach }),
    onShipped: (b) => {
      if (!values.json)
        view.event(
          `bundled ${printable(b.file)} as ${printable(b.ref.slice(0, 19))}… (${Math.ceil((b.bytes ?? 0) / 1024)} KB, ${b.uploaded ? 'uploaded' : 'already on the coordinator'})`,
        );
    },
    onSubmitted: (r) => {
      Object.assign(known, { jobId: r.jobId, task: r.task, status: r.status });
      if (!values.json) view.event(`submitted ${printable(r.jobId)}: ${printable(r.task)}, ${printable(r.partitions)} partitions`);
    },
    onProgress: (p) => {
      known.status = p.status;
      view.update(p);
    },
    onCluster: (e) => {
      if (e.kind === 'agent-lost') view.event(`agent ${printable(e.agent)} lost (${printable(e.reason)}); ${printable(e.requeued)} partitions requeued`);
      else if (e.kind === 'speculative-copy')
        view.event(`speculative copy of partition ${printable(e.partition)} (running ${printable(e.runningMs)} ms on ${printable(e.agent)})`);
    },
    onReattach: (n, err) => view.event(`lost the coordinator (${err.code}); re-attaching (try ${n})`),
  });
  view.end();
  if (values.json) process.stdout.write(`${JSON.stringify(jobSummary(report))}\n`);
  else printReport(report);
  return report.status === 'succeeded' ? 0 : 1;
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
  if (report.error) process.stdout.write(`error ${printable(report.error.code)}: ${printableLines(report.error.message)}\n`);
}
