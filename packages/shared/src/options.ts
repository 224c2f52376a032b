/**
 * Helpers for the options modules of each package. Each package keeps its
 * options in one module, in three steps: the user's options, `withDefaults()`,
 * then a compiled, checked form. These helpers make the checks uniform.
 */
import { CohortError, ErrorCode } from './errors.js';
import { isOneOf } from './one-of.js';

export function invalidOption(message: string): CohortError {
  return new CohortError(ErrorCode.INVALID_OPTION, message);
}

export function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkNumber(name: string, value: number, min: number, max = Number.MAX_VALUE): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidOption(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkOneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!isOneOf(value, allowed)) throw invalidOption(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

/** True for 127.0.0.0/8, ::1 and localhost: the addresses that need no token. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127(\.\d{1,3}){3}$/.test(h)) return true;
  if (/^::ffff:127(\.\d{1,3}){3}$/.test(h)) return true;
  // The same, as the URL parser writes it (::ffff:127.0.0.1 becomes ::ffff:7f00:1).
  if (/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(h)) return true;
  return false;
}

/** The token from an option or the COHORT_TOKEN environment variable; empty means none. */
export function resolveToken(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = option ?? env.COHORT_TOKEN;
  return token === undefined || token === '' ? undefined : token;
}

/** The credential an agent presents: the option, else COHORT_AGENT_TOKEN, else COHORT_TOKEN; empty means none. */
export function resolveAgentToken(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = option ?? (env.COHORT_AGENT_TOKEN || env.COHORT_TOKEN);
  return token === undefined || token === '' ? undefined : token;
}

/** True for the names of Cohort's secrets in an environment: every COHORT_…TOKEN… variable. */
export function isSecretEnvName(name: string): boolean {
  return /^COHORT_.*TOKEN/i.test(name);
}

/** A copy of `env` without any Cohort secret: the environment a slot starts with. */
export function withoutSecrets(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!isSecretEnvName(name)) out[name] = value;
  return out;
}

/** Delete every Cohort secret from `env` in place (a process does this once it has read its token). */
export function removeSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(env)) if (isSecretEnvName(name)) delete env[name];
}

export const VERSION = '0.1.0';
