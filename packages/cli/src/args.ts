/**
 * Flags → options. Each command declares its flags for node:util parseArgs;
 * these helpers turn the strings into the numbers and objects the library
 * options take, with INVALID_OPTION errors that name the flag.
 */
import { CohortError, ErrorCode, isLogLevel, createLogger, toWireError, type Logger, type WireError } from '@cohort/shared';
import { readTokenFile } from '@cohort/shared/internal';

export function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new CohortError(ErrorCode.INVALID_OPTION, `--${name} must be an integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function numberFlag(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new CohortError(ErrorCode.INVALID_OPTION, `--${name} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

/** A usage error: a bad flag or option (INVALID_OPTION), or a command line node:util parseArgs refused. The CLI exits 2 for these. */
export function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === ErrorCode.INVALID_OPTION || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

/** An error as the CLI reports it: its wire form, with parseArgs' refusals as INVALID_OPTION. */
export function cliError(err: unknown): WireError {
  const wire = toWireError(err);
  return isUsageError(err) && wire.code === ErrorCode.INTERNAL ? { ...wire, code: ErrorCode.INVALID_OPTION } : wire;
}

export function loggerFlag(level: string | undefined, component: string): Logger {
  const chosen = level ?? process.env.COHORT_LOG_LEVEL ?? 'info';
  if (!isLogLevel(chosen)) throw new CohortError(ErrorCode.INVALID_OPTION, `--log-level must be debug, info, warn or error, got ${JSON.stringify(chosen)}`);
  return createLogger({ level: chosen }).child({ component, pid: process.pid });
}

/** How a client command reaches the coordinator, and (wss:// or https://) how it verifies it. */
export const CONNECT_FLAGS = {
  connect: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-fingerprint': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'insecure-no-tls': { type: 'boolean' },
} as const;

/** The help line of the TLS flags, for every command that takes CONNECT_FLAGS. */
export const TLS_FLAGS_HELP = `  Over wss:// or https:// the coordinator is verified before the token is sent: --tls-fingerprint
  sha256:HEX pins its certificate (printed by the coordinator on start), --tls-ca FILE trusts a PEM CA
  bundle, else the system's CAs; COHORT_TLS_FINGERPRINT and COHORT_TLS_CA (a file path) when the flags
  are absent. A mismatch fails closed with TLS_FAILED, naming both fingerprints. --tls-cert FILE with
  --tls-key FILE present a client certificate (mutual TLS). A token is never sent in clear: a ws:// or
  http:// URL beyond loopback is refused (TLS_REQUIRED) unless --insecure-no-tls (a network you trust).`;

export const COMMON_FLAGS = {
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Read a credential from a file (`--token-file PATH`): its first token, read
 * as the coordinator reads its token files (shared token-set.ts and internal/token-file.ts: one token a
 * line, trimmed; blank lines and `#` comments skipped), so that one file can
 * serve both. The error names the flag and the path, never the content.
 */
export function tokenFileFlag(name: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readTokenFile(file)[0];
  } catch (err) {
    const wire = toWireError(err, ErrorCode.INVALID_OPTION);
    throw new CohortError(ErrorCode.INVALID_OPTION, `--${name}: ${wire.message}`);
  }
}

/** One credential from its flag, or its file flag; both at once is a conflict. */
export function secretFlag(name: string, value: string | undefined, fileFlag: string, file: string | undefined): string | undefined {
  if (value !== undefined && file !== undefined) throw new CohortError(ErrorCode.INVALID_OPTION, `--${name} and --${fileFlag} conflict: pass one`);
  return value ?? tokenFileFlag(fileFlag, file);
}

/** Integer flags of a command, each with the option it sets: `{ 'heartbeat-ms': 'heartbeatMs' }`. */
export type IntFlags = Readonly<Record<string, string>>;

/** The parseArgs declarations of `flags`: each takes a string value. */
export function stringFlags<F extends IntFlags>(flags: F): { [K in keyof F]: { type: 'string' } } {
  return Object.fromEntries(Object.keys(flags).map((name) => [name, { type: 'string' }])) as { [K in keyof F]: { type: 'string' } };
}

/** The integer flags that were given, as the options they set, checked in the order `flags` lists them. */
export function intOptions<F extends IntFlags>(values: Partial<Record<keyof F, unknown>>, flags: F): { [K in F[keyof F]]?: number } {
  const options: Record<string, number> = {};
  for (const [name, key] of Object.entries(flags)) {
    const value = values[name];
    if (typeof value === 'string') options[key] = intFlag(name, value)!;
  }
  return options as { [K in F[keyof F]]?: number };
}
