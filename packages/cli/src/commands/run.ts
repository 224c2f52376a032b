import { parseArgs } from 'node:util';
import { CohortError, ErrorCode, printable, printableLines, type JobReport } from '@cohort/shared';
import { ApiClient } from '@cohort/sdk';
import { COMMON_FLAGS, CONNECT_FLAGS, TLS_FLAGS_HELP, intOptions, stringFlags } from '../args.js';
import { clientTarget, wsUrl } from '../connect-target.js';
import { clusterEventLine } from '../event-lines.js';
import { readInputFlag } from '../input-flag.js';
import { readSharedFlags } from '../shared-flag.js';
import { INTERRUPTED_EXIT_CODE, Interrupt } from '../interrupt.js';
import { hintDelayMs, watchForAgents } from '../no-agents-hint.js';
import { ProgressView } from '../progress-view.js';
import { runJob, type RunJobOptions } from '../run-job.js';
import { failureSummary, jobSummary, printFailure, type RunKnown } from '../run-json.js';

export const RUN_HELP = `cohort run TASK [--connect ws://HOST:PORT] [--token T | --token-file F] [--input JSON | @FILE | -] [--partitions N]
    [--shared @FILE | --shared-json @FILE] [--timeout-ms N] [--max-attempts N] [--priority N] [--attach JOBID] [--detach] [--json]
  TASK is a built-in name (primes, noop…); or the path of your own task module (./task.ts, .mts,
  .js or .mjs; relative or absolute), which is bundled with everything it imports, named by its
  SHA-256 and shipped to the coordinator and the agents; or the file name of a module in the
  coordinator's --tasks-dir.
  --input is inline JSON, @FILE a JSON file, or - to read JSON from stdin (a file or stdin up to the
  coordinator's request body limit, 64 MiB by default).
  --shared @FILE gives every partition the file's bytes as ctx.shared (a Uint8Array; split never sees
  it); --shared-json @FILE a JSON file's value. Uploaded once by its SHA-256 (skipped when the
  coordinator has it), up to the coordinator's --max-shared-bytes (1 GiB by default); thread slots
  read it over shared memory with no copy, process slots get a copy. The report says which.
  --priority N (1..1000, default 1) weighs the job against the other running jobs: with the coordinator's
  fair scheduling (the default), a job of priority 2 gets twice the slots of one of priority 1.
  --connect defaults to COHORT_URL; the token to COHORT_TOKEN.
${TLS_FLAGS_HELP}
  Submits a job and follows it. Exit 0 on success, 1 when the job fails, 2 on a usage error.
  On a terminal: a progress bar with rate, ETA and elapsed time, partitions running (started on a
  slot) and queued (sent to an agent, not started) apart, and cluster events above the bar; plain
  lines (at most one a second) otherwise. With no live agent and no progress after 3 s
  (COHORT_NO_AGENTS_HINT_MS), it says so. Ctrl-C cancels the job, says so and exits 130; a second
  Ctrl-C exits at once.
  --detach submits, prints the job id and the commands to follow or cancel it, and exits 0.
  --json prints exactly one JSON object on stdout, in every case:
    {jobId, task, status, result, partitions, durationMs, attempts, duplicates, agents, error?}, or, when
    the command stopped before the job ended (refused, bad flag, coordinator lost, Ctrl-C),
    {error: {code, message, details?}, jobId?, task?, status?}; with --detach {jobId, task, status, partitions}`;

/** The integer flags, in the order they are checked, with the option each sets. */
const INT_FLAGS = { partitions: 'partitions', 'timeout-ms': 'timeoutMs', 'max-attempts': 'maxAttempts', priority: 'priority' } as const;

const FLAGS = {
  ...CONNECT_FLAGS,
  input: { type: 'string' },
  shared: { type: 'string' },
  'shared-json': { type: 'string' },
  attach: { type: 'string' },
  detach: { type: 'boolean' },
  json: { type: 'boolean' },
  ...stringFlags(INT_FLAGS),
  ...COMMON_FLAGS,
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS; allowPositionals: true; strict: true }>>['values'];

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
  const target = clientTarget(values);
  if (!task && !values.attach) throw new CohortError(ErrorCode.INVALID_OPTION, 'name a task (cohort run primes …) or --attach JOBID');
  if (values.detach && values.attach) throw new CohortError(ErrorCode.INVALID_OPTION, '--detach and --attach conflict: --detach submits a new job');
  const base = {
    ...target,
    ...(task !== undefined && { task }),
    input: await readInputFlag(values.input),
    shared: await readSharedFlags(values),
    ...intOptions(values, INT_FLAGS),
    ...(values.attach !== undefined && { attach: values.attach }),
  };
  if (values.detach) return detach(base, values, known);
  return follow(base, values, known);
}

/** `--detach`: submit, print the id and how to follow or cancel it, exit 0. */
async function detach(base: RunJobOptions, values: Values, known: RunKnown): Promise<number> {
  const report = await runJob({ ...base, detach: true, onSubmitted: (r) => Object.assign(known, { jobId: r.jobId, task: r.task, status: r.status }) });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ jobId: report.jobId, task: report.task, status: report.status, partitions: report.partitions })}\n`);
    return 0;
  }
  const id = printable(report.jobId);
  // The follow-up commands need the address only when it came from the command line.
  const connect = values.connect !== undefined ? ` --connect ${printable(values.connect)}` : '';
  process.stdout.write(
    `${id}\nsubmitted ${id}: ${printable(report.task)}, ${printable(report.partitions)} partitions (${printable(report.status)})\n` +
      `follow it:  cohort logs ${id} --follow${connect}\n            cohort jobs${connect}\n` +
      `cancel it:  cohort cancel ${id}${connect}\n`,
  );
  return 0;
}

/** Follow the job to its end with the progress view, the no-agents hint, and Ctrl-C cancelling it. */
async function follow(base: RunJobOptions, values: Values, known: RunKnown): Promise<number> {
  const api = new ApiClient({ url: base.url, token: base.token, tls: base.tls, insecureNoTls: base.insecureNoTls });
  try {
    return await followWith(api, base, values, known);
  } finally {
    await api.close();
  }
}

/** `follow` with its client (for the hint and Ctrl-C's cancel; runJob has its own). */
async function followWith(api: ApiClient, base: RunJobOptions, values: Values, known: RunKnown): Promise<number> {
  const view = new ProgressView();
  const abort = new AbortController();
  const interrupt = new Interrupt({ say: (l) => view.event(l), cancel: (id) => api.cancel(id), abort }).install();
  if (values.attach !== undefined) interrupt.submitted(values.attach);
  const stopHint = watchForAgents({
    agents: () => api.agents(),
    started: () => view.started,
    say: (l) => view.event(l),
    url: wsUrl(base.url),
    fingerprint: base.tls?.fingerprint,
    delayMs: hintDelayMs(),
  });
  let report: JobReport | undefined;
  try {
    report = await runJob({ ...base, signal: abort.signal, ...followCallbacks(view, values, known, interrupt) });
    view.finish(report);
  } catch (err) {
    if (!interrupt.interrupted) throw err;
  } finally {
    stopHint();
    view.end();
  }
  if (interrupt.interrupted || report === undefined) return interrupted(interrupt, values, known);
  interrupt.uninstall();
  if (values.json) process.stdout.write(`${JSON.stringify(jobSummary(report))}\n`);
  else printReport(report);
  return report.status === 'succeeded' ? 0 : 1;
}

/** After Ctrl-C: wait for the cancel's answer, and report it; exit 130. */
async function interrupted(interrupt: Interrupt, values: Values, known: RunKnown): Promise<number> {
  const report = await interrupt.outcome();
  interrupt.uninstall();
  if (report) known.status = report.status;
  if (values.json) {
    const err = new CohortError(ErrorCode.CANCELLED, known.jobId ? `job ${known.jobId} cancelled by Ctrl-C` : 'interrupted before the job was submitted');
    process.stdout.write(`${JSON.stringify(failureSummary(err, known))}\n`);
  }
  return INTERRUPTED_EXIT_CODE;
}

/** What runJob tells the view, the interrupt and `known` as the job goes. */
function followCallbacks(view: ProgressView, values: Values, known: RunKnown, interrupt: Interrupt): Partial<RunJobOptions> {
  return {
    onShipped: (b) => {
      if (!values.json)
        view.event(
          `bundled ${printable(b.file)} as ${printable(b.ref.slice(0, 19))}… (${Math.ceil((b.bytes ?? 0) / 1024)} KB, ${b.uploaded ? 'uploaded' : 'already on the coordinator'})`,
        );
    },
    onSharedShipped: (s) => {
      if (!values.json)
        view.event(`shared value ${s.hash.slice(0, 12)}… (${s.kind}, ${s.bytes} bytes, ${s.uploaded ? 'uploaded' : 'already on the coordinator'})`);
    },
    onSubmitted: (r) => {
      Object.assign(known, { jobId: r.jobId, task: r.task, status: r.status });
      interrupt.submitted(r.jobId);
      if (!values.json) view.event(`submitted ${printable(r.jobId)}: ${printable(r.task)}, ${printable(r.partitions)} partitions`);
    },
    onProgress: (p) => {
      known.status = p.status;
      view.update(p);
    },
    onCluster: (e) => view.event(clusterEventLine(e)),
    onReattach: (n, err) => view.event(`lost the coordinator (${err.code}); re-attaching (try ${n})`),
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
  if (report.shared) {
    const d = report.shared.delivery;
    process.stdout.write(
      `shared ${printable(report.shared.kind)} value, ${printable(report.shared.bytes)} bytes: ${printable(d['shared-memory'])} partitions over shared memory, ${printable(d.copied)} from a copy\n`,
    );
  }
  if (report.error) process.stdout.write(`error ${printable(report.error.code)}: ${printableLines(report.error.message)}\n`);
}
