/**
 * What the client verbs (status, jobs, agents, cancel, logs) share: their
 * flags (--connect or COHORT_URL, --token, --json, --help), and how they
 * answer. With --json: exactly one JSON document on stdout, also for an
 * error (`{"error": {"code", "message"}}`, exit 1, or 2 for a usage error),
 * the human line on stderr too. Without: text on stdout, errors on stderr.
 */
import { parseArgs } from 'node:util';
import { printableLines } from '@cohort/shared';
import { ApiClient } from '@cohort/sdk';
import { COMMON_FLAGS, CONNECT_FLAGS, TLS_FLAGS_HELP, cliError, isUsageError } from './args.js';
import { clientTarget, COHORT_URL_ENV, type ClientTarget, type ConnectValues } from './connect-target.js';

export const VERB_FLAGS = { ...CONNECT_FLAGS, json: { type: 'boolean' }, ...COMMON_FLAGS } as const;

/** The lines every verb's help ends with. */
export const VERB_ENV_HELP = `  --connect defaults to ${COHORT_URL_ENV} (ws://, wss://, http:// or https://); the token to --token, --token-file
  or COHORT_TOKEN. --json prints one JSON document on stdout; an error as {"error": {"code", "message"}}.
${TLS_FLAGS_HELP}`;

export interface VerbContext {
  api: ApiClient;
  target: ClientTarget;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  json: boolean;
  /** Write to stdout (the verb's answer). */
  print(text: string): void;
}

export interface VerbSpec {
  name: string;
  help: string;
  /** Flags besides VERB_FLAGS. */
  flags?: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  /** The answer: JSON for --json, text otherwise; a non-zero exit code with it, when it says so. */
  run(ctx: VerbContext): Promise<{ json: unknown; text: string; code?: number } | number>;
}

/** Run a verb from its command line; the exit code. */
export async function runVerb(spec: VerbSpec, argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...VERB_FLAGS, ...spec.flags }, strict: true });
    if (values.help) {
      process.stdout.write(`${spec.help}\n`);
      return 0;
    }
    const target = clientTarget(values as ConnectValues);
    const api = new ApiClient(target);
    const print = (text: string) => void process.stdout.write(text);
    const answer = await spec.run({ api, target, positionals, values: values as VerbContext['values'], json, print }).finally(() => api.close());
    if (typeof answer === 'number') return answer;
    process.stdout.write(json ? `${JSON.stringify(answer.json)}\n` : answer.text);
    return answer.code ?? 0;
  } catch (err) {
    if (!json) throw err; // main prints it and picks the exit code
    const wire = cliError(err);
    process.stderr.write(`cohort ${spec.name}: ${wire.code}: ${printableLines(wire.message)}\n`);
    process.stdout.write(`${JSON.stringify({ error: { code: wire.code, message: wire.message, ...(wire.details && { details: wire.details }) } })}\n`);
    return isUsageError(err) ? 2 : 1;
  }
}
