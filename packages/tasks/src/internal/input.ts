/**
 * Input checks shared by the built-in tasks. Each check throws `badInput`
 * (code BAD_INPUT) with a message that says what was expected. This module
 * lives under `internal/` so that no bare task name can resolve to it.
 */
import { badInput } from '@cohort/shared';

export type InputObject = Record<string, unknown>;

/** The partition count: an integer ≥ 1. */
export function checkPartitionCount(task: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw badInput(task, `partition count must be an integer ≥ 1, got ${describe(n)}`);
  }
  return n;
}

/** The partition count checked, then the input as a plain object (see inputObject): how a task's split begins. */
export function splitInput(task: string, input: unknown, n: unknown, expected: string, optional = false): InputObject {
  checkPartitionCount(task, n);
  return inputObject(task, input, expected, optional);
}

/** The job input as a plain object; `undefined` and `null` count as `{}` when `optional`. */
export function inputObject(task: string, input: unknown, expected: string, optional = false): InputObject {
  if ((input === undefined || input === null) && optional) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badInput(task, `input must be an object ${expected}, got ${describe(input)}`);
  }
  return input as InputObject;
}

interface IntRule {
  min: number;
  max: number;
  /** Used when the field is absent; without it the field is required. */
  default?: number;
}

/** An integer field within `[min, max]`. */
export function intField(task: string, obj: InputObject, key: string, rule: IntRule): number {
  const value = obj[key];
  if (value === undefined && rule.default !== undefined) return rule.default;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < rule.min || value > rule.max) {
    throw badInput(task, `${key} must be an integer in [${rule.min}, ${rule.max}], got ${describe(value)}`);
  }
  return value;
}

/**
 * A list of partition indices, each an integer in `[0, n)`. Absent means
 * `absent` (all partitions or none, as the task decides). Returns a set.
 */
export function partitionSet(task: string, obj: InputObject, key: string, n: number, absent: 'all' | 'none' | 'required'): Set<number> {
  const value = obj[key];
  if (value === undefined && absent !== 'required') {
    return absent === 'all' ? new Set(Array.from({ length: n }, (_, i) => i)) : new Set();
  }
  if (!Array.isArray(value)) throw badInput(task, `${key} must be an array of partition indices, got ${describe(value)}`);
  const set = new Set<number>();
  for (const p of value) {
    if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 0 || p >= n) {
      throw badInput(task, `${key} must hold partition indices in [0, ${n}) for ${n} partitions, got ${describe(p)}`);
    }
    set.add(p);
  }
  return set;
}

/** A short description of a value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** Sum of numeric partition results. */
export function sum(results: readonly number[]): number {
  let total = 0;
  for (const r of results) total += r;
  return total;
}

/** The end of a task whose partitions return numbers: merge sums them; the slot mode is left to the agent. */
export const SUMMED = {
  merge: (results: number[]): number => sum(results),
  profile: { isolation: 'auto' as const },
};
