/**
 * The `cohort` command: flags become the same options the library takes, and
 * each subcommand calls one function.
 */
import { VERSION, printable, printableLines } from '@cohort/shared';
import { cliError, isUsageError } from './args.js';
import { AGENT_HELP, agentCommand } from './commands/agent.js';
import { AGENTS_HELP, agentsCommand } from './commands/agents.js';
import { CANCEL_HELP, cancelCommand } from './commands/cancel.js';
import { CHAOS_HELP, chaosCommand } from './commands/chaos.js';
import { COORDINATOR_HELP, coordinatorCommand } from './commands/coordinator.js';
import { DEMO_HELP, demoCommand } from './commands/demo.js';
import { DRILL_HELP, drillCommand } from './commands/drill.js';
import { JOBS_HELP, jobsCommand } from './commands/jobs.js';
import { LOGS_HELP, logsCommand } from './commands/logs.js';
import { RUN_HELP, runCommand } from './commands/run.js';
import { STATUS_HELP, statusCommand } from './commands/status.js';

const HELP = `cohort: a distributed cluster runner for Node.js

cohort --version, -v   print the version
cohort help, cohort COMMAND --help   this text, or one command's

Environment: COHORT_URL, the coordinator for every client command (run, status, jobs, agents,
cancel, logs, agent) when --connect is not given (ws://, wss://, http:// or https://);
COHORT_TOKEN, the client token when neither --token nor --token-file is given.

${COORDINATOR_HELP}

${AGENT_HELP}

${RUN_HELP}

${STATUS_HELP}

${JOBS_HELP}

${AGENTS_HELP}

${CANCEL_HELP}

${LOGS_HELP}

${DEMO_HELP}

${DRILL_HELP}

${CHAOS_HELP}
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  coordinator: coordinatorCommand,
  agent: agentCommand,
  run: runCommand,
  status: statusCommand,
  jobs: jobsCommand,
  agents: agentsCommand,
  cancel: cancelCommand,
  logs: logsCommand,
  demo: demoCommand,
  drill: drillCommand,
  chaos: chaosCommand,
};

/** Exit codes: 0 success, 1 the work failed, 2 a usage or option error. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    process.stderr.write(`cohort: unknown command ${printable(JSON.stringify(command))}\n\n${HELP}`);
    return 2;
  }
  try {
    return await handler(rest);
  } catch (err) {
    const wire = cliError(err);
    process.stderr.write(`cohort ${command}: ${wire.code}: ${printableLines(wire.message)}\n`);
    return isUsageError(err) ? 2 : 1;
  }
}

/**
 * What a bin file calls (this checkout's bin/cohort.mjs and the container's
 * cohort.mjs): run `main` and set the exit code, reporting anything it let
 * escape as INTERNAL.
 */
export function runCli(argv: string[]): Promise<void> {
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: { code?: string; message?: string } | undefined) => {
      process.stderr.write(`cohort: ${err?.code ?? 'INTERNAL'}: ${err?.message ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
