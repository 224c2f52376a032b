/**
 * The `cohort` command: flags become the same options the library takes, and
 * each subcommand calls one function.
 */
import { VERSION, printable, printableLines } from '@cohort/shared';
import { cliError, isUsageError } from './args.js';

type Command = (argv: string[]) => Promise<number>;
interface CommandModule {
  help: string;
  run: Command;
}

/**
 * Each command's module, loaded only when it runs: `cohort status` should
 * not pay for loading the coordinator, its metrics and the drills (the CLI
 * starts in about half the time).
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  coordinator: async () => import('./commands/coordinator.js').then((m) => ({ help: m.COORDINATOR_HELP, run: m.coordinatorCommand })),
  agent: async () => import('./commands/agent.js').then((m) => ({ help: m.AGENT_HELP, run: m.agentCommand })),
  run: async () => import('./commands/run.js').then((m) => ({ help: m.RUN_HELP, run: m.runCommand })),
  status: async () => import('./commands/status.js').then((m) => ({ help: m.STATUS_HELP, run: m.statusCommand })),
  jobs: async () => import('./commands/jobs.js').then((m) => ({ help: m.JOBS_HELP, run: m.jobsCommand })),
  agents: async () => import('./commands/agents.js').then((m) => ({ help: m.AGENTS_HELP, run: m.agentsCommand })),
  cancel: async () => import('./commands/cancel.js').then((m) => ({ help: m.CANCEL_HELP, run: m.cancelCommand })),
  logs: async () => import('./commands/logs.js').then((m) => ({ help: m.LOGS_HELP, run: m.logsCommand })),
  demo: async () => import('./commands/demo.js').then((m) => ({ help: m.DEMO_HELP, run: m.demoCommand })),
  drill: async () => import('./commands/drill.js').then((m) => ({ help: m.DRILL_HELP, run: m.drillCommand })),
  chaos: async () => import('./commands/chaos.js').then((m) => ({ help: m.CHAOS_HELP, run: m.chaosCommand })),
  tls: async () => import('./commands/tls.js').then((m) => ({ help: m.TLS_COMMAND_HELP, run: m.tlsCommand })),
};

/** The whole help: every command's, in the table's order. */
async function helpText(): Promise<string> {
  const helps = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).help));
  return `cohort: a distributed cluster runner for Node.js

cohort --version, -v   print the version
cohort help, cohort COMMAND --help   this text, or one command's

Environment: COHORT_URL, the coordinator for every client command (run, status, jobs, agents,
cancel, logs, agent) when --connect is not given (ws://, wss://, http:// or https://);
COHORT_TOKEN, the client token when neither --token nor --token-file is given;
COHORT_TLS_FINGERPRINT (sha256:HEX) and COHORT_TLS_CA (a PEM file), how a wss:// or https://
coordinator is verified when neither --tls-fingerprint nor --tls-ca is given.

${helps.join('\n\n')}
`;
}

/** Exit codes: 0 success, 1 the work failed, 2 a usage or option error. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(await helpText());
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    process.stderr.write(`cohort: unknown command ${printable(JSON.stringify(command))}\n\n${await helpText()}`);
    return 2;
  }
  try {
    return await (await load()).run(rest);
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
