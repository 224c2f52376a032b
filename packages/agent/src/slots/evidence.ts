/** The evidence of a slot's end, and what to try next (after vitest poolRunner's unexpected-exit message). Pure. */
import { CohortError, ErrorCode, type WireError } from '@cohort/shared';
import type { ExitInfo } from './runtime.js';
import type { SlotExitEvidence } from './types.js';

/** What the pool knows when a slot ends; the fields it shares with the evidence are the evidence's own. */
export type EvidenceInput = Pick<
  SlotExitEvidence,
  'slotId' | 'mode' | 'cause' | 'slotState' | 'pid' | 'threadId' | 'jobId' | 'task' | 'partitions' | 'heapLimitMb'
> & {
  info: ExitInfo;
  timeoutMs: number;
  /** This crash moves the task to processes (auto mode). */
  escalated: boolean;
  agentMode: string;
};

export function hintFor(e: EvidenceInput): string {
  if (e.cause === 'timeout') return `the partition ran past timeoutMs=${e.timeoutMs}; raise timeoutMs, or split the job into more, smaller partitions`;
  if (e.cause === 'cancel') return 'the partition was cancelled; nothing to do';
  if (e.cause === 'shutdown') return 'the agent is shutting down; the coordinator will run the partition elsewhere';
  const next = e.escalated
    ? ' This agent now runs the task in processes (auto mode).'
    : e.mode === 'thread' && e.agentMode === 'threads'
      ? ' Run the agent with --mode auto or processes to keep this task out of the agent process.'
      : '';
  if (e.info.oom) return `the slot ran out of heap (limit ${e.heapLimitMb} MB); raise heapLimitMb, or use more, smaller partitions.${next}`;
  if (e.info.signal === 'SIGABRT') return `the slot aborted (process.abort() or a native crash); see stderrTail.${next}`;
  if (e.info.signal) return `the slot was killed by ${e.info.signal} from outside the agent (OOM killer? an operator?).${next}`;
  if (e.info.error)
    return `an error escaped run() (thrown from a timer, a callback or an unawaited promise); make run() await its work and throw from there.${next}`;
  return `the slot exited with code ${e.info.exitCode} (process.exit() in the task?); return or throw from run() instead.${next}`;
}

export function buildEvidence(e: EvidenceInput): SlotExitEvidence {
  const evidence: SlotExitEvidence = {
    slotId: e.slotId,
    mode: e.mode,
    cause: e.cause,
    exitCode: e.info.exitCode,
    signal: e.info.signal,
    slotState: e.slotState,
    pid: e.pid,
    threadId: e.threadId,
    jobId: e.jobId,
    task: e.task,
    partitions: e.partitions,
    heapLimitMb: e.heapLimitMb,
    oom: e.info.oom,
    hint: hintFor(e),
  };
  if (e.info.error) evidence.error = `${e.info.error.name}: ${e.info.error.message}`;
  if (e.info.stderrTail) evidence.stderrTail = e.info.stderrTail;
  return evidence;
}

/** The error a partition fails with when its slot died under it. */
export function exitError(evidence: SlotExitEvidence): WireError {
  const timeout = evidence.cause === 'timeout';
  const how = evidence.signal ? `was killed by ${evidence.signal}` : `exited with code ${evidence.exitCode}`;
  const what = timeout ? 'ran past its timeout' : evidence.oom ? 'ran out of heap' : 'crashed';
  const message = `partition ${evidence.partitions[0]} of job ${evidence.jobId} ${what}: ${evidence.mode} slot ${evidence.slotId} ${how}`;
  const code = timeout ? ErrorCode.PARTITION_TIMEOUT : ErrorCode.SLOT_CRASHED;
  const wire = new CohortError(code, message, { details: { ...evidence } }).toWire();
  delete wire.stack; // the agent's stack says nothing about the slot
  return wire;
}
