/**
 * Reading the coordinator's JSON answers (api.ts) on the client side: one
 * parse function per shape, at the boundary where `JSON.parse` hands over an
 * `unknown`. Each checks the fields a client relies on and throws INTERNAL
 * ("not what the coordinator answers") for anything else, so that no caller
 * has to cast what it was given.
 */
import {
  AGENT_STATES,
  JOB_STATUSES,
  type AgentInfo,
  type ClusterEvent,
  type JobProgress,
  type JobReport,
  type JobStreamEvent,
  type FailedAttempt,
  type JobSummary,
  type PartitionFailure,
  type PartitionResultEvent,
} from './api.js';
import { CohortError, ErrorCode } from './errors.js';
import { isOneOf } from './one-of.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function unexpected(what: string): never {
  throw new CohortError(ErrorCode.INTERNAL, `unexpected answer from the coordinator: ${what}`);
}

function fields(v: unknown, what: string, strings: readonly string[], numbers: readonly string[]): Obj {
  if (!isObj(v)) unexpected(`${what} is not an object`);
  for (const k of strings) if (typeof v[k] !== 'string') unexpected(`${what}.${k} is not a string`);
  for (const k of numbers) if (typeof v[k] !== 'number') unexpected(`${what}.${k} is not a number`);
  return v;
}

const PROGRESS_NUMBERS = ['done', 'total', 'running', 'assigned', 'attempts', 'requeued', 'duplicates', 'speculative'] as const;
const REPORT_NUMBERS = [
  'partitions',
  'done',
  'running',
  'assigned',
  'waiting',
  'durationMs',
  'attempts',
  'duplicates',
  'requeued',
  'speculative',
  'recovered',
  'slotMs',
] as const;

/** The one place a checked object becomes its declared type. */
function checked<T>(v: Obj): T {
  return v as T;
}

function withStatus<T>(v: Obj, what: string): T {
  if (!isOneOf(v.status, JOB_STATUSES)) unexpected(`${what}.status is not a job status`);
  return checked<T>(v);
}

export function parseJobReport(v: unknown): JobReport {
  const o = fields(v, 'job report', ['jobId', 'task'], REPORT_NUMBERS);
  if (!isObj(o.agents) || !isObj(o.modes) || !isObj(o.modeReasons)) unexpected('job report has no agents, modes or modeReasons');
  if (o.error !== undefined && !isObj(o.error)) unexpected('job report error is not an object');
  return withStatus<JobReport>(o, 'job report');
}

export function parseJobProgress(v: unknown): JobProgress {
  return withStatus<JobProgress>(fields(v, 'job progress', ['jobId'], PROGRESS_NUMBERS), 'job progress');
}

/** The answer of `GET /api/jobs`. */
export function parseJobList(v: unknown): JobSummary[] {
  if (!isObj(v) || !Array.isArray(v.jobs)) unexpected('the job list has no jobs array');
  return v.jobs.map((j) => withStatus<JobSummary>(fields(j, 'job', ['jobId', 'task'], PROGRESS_NUMBERS), 'job'));
}

/** The answer of `GET /api/agents`. */
export function parseAgentList(v: unknown): AgentInfo[] {
  if (!isObj(v) || !Array.isArray(v.agents)) unexpected('the agent list has no agents array');
  return v.agents.map((a) => {
    const o = fields(a, 'agent', ['agentId', 'name', 'state', 'mode'], ['slots', 'held', 'window', 'accepted', 'failed', 'silentMs']);
    if (!isOneOf(o.state, AGENT_STATES)) unexpected('agent.state is not an agent state');
    if (!isObj(o.hardware) || !isObj(o.escalated)) unexpected('agent has no hardware or escalated map');
    return checked<AgentInfo>(o);
  });
}

export function parseClusterEvent(v: unknown): ClusterEvent {
  return checked<ClusterEvent>(fields(v, 'cluster event', ['kind', 'agent'], ['at']));
}

/** One event of a job's stream; undefined for an event this client does not know (a newer coordinator's). */
export function parseStreamEvent(event: string, data: unknown): JobStreamEvent | undefined {
  switch (event) {
    case 'progress':
      return { event, data: parseJobProgress(data) };
    case 'cluster':
      return { event, data: parseClusterEvent(data) };
    case 'end':
      return { event, data: parseJobReport(data) };
    case 'submitted':
      return { event, data: parseJobReport(data) };
    case 'result':
      return { event, data: parseResultEvent(data) };
    case 'error':
      return { event, data: parseStreamError(data) };
    default:
      return undefined;
  }
}

export function parseResultEvent(v: unknown): PartitionResultEvent {
  const o = fields(v, 'result event', ['jobId', 'agent', 'mode'], ['index', 'attempt', 'ms']);
  if (o.packed !== undefined && typeof o.packed !== 'string') unexpected('result event packed is not a string');
  return checked<PartitionResultEvent>(o);
}

/** The data of a stream's final `error` event. */
export function parseStreamError(v: unknown): { code: string; message: string } {
  return checked<{ code: string; message: string }>(fields(v, 'stream error', ['code', 'message'], []));
}

/** The `error` of an HTTP error answer (`{error: {code, message, details?}}`), each field kept only when well-typed. */
export function errorAnswer(v: unknown): { code?: string; message?: string; details?: Record<string, unknown> } | undefined {
  if (!isObj(v) || !isObj(v.error)) return undefined;
  const { code, message, details } = v.error;
  return {
    ...(typeof code === 'string' && { code }),
    ...(typeof message === 'string' && { message }),
    ...(isObj(details) && { details }),
  };
}

/** The details of a PARTITION_FAILED job error, or undefined when `error` is not one. */
export function partitionFailure(error: { code: string; details?: Record<string, unknown> } | undefined): PartitionFailure | undefined {
  const d = error?.code === ErrorCode.PARTITION_FAILED ? error.details : undefined;
  if (!d || typeof d.partition !== 'number' || typeof d.next !== 'string' || !Array.isArray(d.deaths)) return undefined;
  if (typeof d.attempts !== 'number' && !Array.isArray(d.attempts)) return undefined;
  return checked<PartitionFailure>(d);
}

/** The failed attempts a PARTITION_FAILED error names; empty for any other error. */
export function failedAttempts(error: { code: string; details?: Record<string, unknown> } | undefined): FailedAttempt[] {
  const attempts = partitionFailure(error)?.attempts;
  return Array.isArray(attempts) ? attempts : [];
}
