/**
 * Flags → options. Each command declares its flags for node:util parseArgs;
 * these helpers turn the strings into the numbers and objects the library
 * options take, with INVALID_OPTION errors that name the flag.
 */
import { CohortError, ErrorCode, isLogLevel, createLogger, type Logger } from '@cohort/shared';

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

export function jsonFlag(name: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new CohortError(ErrorCode.INVALID_OPTION, `--${name} must be JSON, got ${JSON.stringify(value)}`);
  }
}

export function loggerFlag(level: string | undefined, component: string): Logger {
  const chosen = level ?? process.env.COHORT_LOG_LEVEL ?? 'info';
  if (!isLogLevel(chosen)) throw new CohortError(ErrorCode.INVALID_OPTION, `--log-level must be debug, info, warn or error, got ${JSON.stringify(chosen)}`);
  return createLogger({ level: chosen }).child({ component, pid: process.pid });
}

export const COMMON_FLAGS = {
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
