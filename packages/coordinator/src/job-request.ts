/**
 * The body of `POST /api/jobs`, checked against the shared bounds
 * (`@cohort/shared` limits.ts): a request the agents would refuse is refused
 * here first, with BAD_REQUEST naming the field in `details.field`.
 */
import { CohortError, ErrorCode, LIMITS, MAX_LENGTH, checkBound, describe, prepareValue } from '@cohort/shared';
import type { JobSpec } from './job.js';

export const DEFAULT_PARTITIONS = 16;

export interface JobRequestDefaults {
  maxAttempts: number;
  /** The coordinator's own cap; narrows LIMITS.partitions. */
  maxPartitions: number;
}

function badField(field: string, message: string): CohortError {
  return new CohortError(ErrorCode.BAD_REQUEST, message, { details: { field } });
}

export function parseJobRequest(body: unknown, defaults: JobRequestDefaults): JobSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CohortError(ErrorCode.BAD_REQUEST, 'body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.task !== 'string' || b.task.length === 0) throw badField('task', `task must be a non-empty string, got ${describe(b.task)}`);
  if (b.task.length > MAX_LENGTH.taskName) throw badField('task', `task must be at most ${MAX_LENGTH.taskName} characters, got ${b.task.length}`);
  const partitionBound = { min: LIMITS.partitions.min, max: Math.min(LIMITS.partitions.max, defaults.maxPartitions) };
  const partitions = checkBound('partitions', b.partitions ?? DEFAULT_PARTITIONS, partitionBound, ErrorCode.BAD_REQUEST);
  const timeoutMs = checkBound('timeoutMs', b.timeoutMs ?? 0, LIMITS.timeoutMs, ErrorCode.BAD_REQUEST);
  const maxAttempts = checkBound('maxAttempts', b.maxAttempts ?? defaults.maxAttempts, LIMITS.maxAttempts, ErrorCode.BAD_REQUEST);
  const priority = b.priority === undefined ? undefined : checkBound('priority', b.priority, LIMITS.priority, ErrorCode.BAD_REQUEST);
  checkInput(b.input);
  return { task: b.task, input: b.input, partitions, timeoutMs, maxAttempts, ...(priority !== undefined && { priority }) };
}

/**
 * The input is journaled and handed to split: it must be a value the model carries exactly (JSON nested
 * past MAX_VALUE_DEPTH, or an own `__proto__` key, is not), or the request is refused naming `input`.
 */
function checkInput(input: unknown): void {
  try {
    prepareValue(input, 'input');
  } catch (err) {
    const what = (err as CohortError).details?.what;
    const path = String((err as CohortError).details?.path ?? 'input');
    const where = path.length > 120 ? `${path.slice(0, 120)}… (${path.length} chars)` : path;
    throw new CohortError(ErrorCode.BAD_REQUEST, `input cannot be journaled or sent to agents: ${where} is ${String(what ?? 'outside the value model')}`, {
      details: { field: 'input' },
    });
  }
}

/**
 * What `split` returned, checked before the job exists: an array of at most
 * `maxPartitions` inputs, each one the value model can carry to an agent (a
 * cycle or a function would otherwise fail only when its assign frame is
 * encoded, with the job already running). BAD_INPUT names the partition and
 * the path.
 */
export function checkSplitOutput(task: string, inputs: unknown, maxPartitions: number): unknown[] {
  if (!Array.isArray(inputs)) throw new CohortError(ErrorCode.BAD_INPUT, `task ${task}: split() must return an array`);
  if (inputs.length > maxPartitions) {
    throw new CohortError(ErrorCode.BAD_INPUT, `task ${task}: split() returned ${inputs.length} partitions, over the coordinator's ${maxPartitions}`, {
      details: { partitions: inputs.length, maxPartitions },
    });
  }
  for (let i = 0; i < inputs.length; i++) {
    try {
      prepareValue(inputs[i], `partition[${i}]`);
    } catch (err) {
      const full = String((err as CohortError).details?.path ?? `partition[${i}]`);
      const path = full.length > 120 ? `${full.slice(0, 120)}… (${full.length} chars)` : full;
      const what = String((err as CohortError).details?.what ?? 'outside the value model');
      throw new CohortError(ErrorCode.BAD_INPUT, `task ${task}: split() returned an input the wire cannot carry: ${path} is ${what}`, {
        details: { partition: i, path },
      });
    }
  }
  return inputs;
}
