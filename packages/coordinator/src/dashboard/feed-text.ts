/**
 * The event feed's lines, in plain words: pure functions from a cluster
 * event or an observation to a line (or nothing, for what the feed does not
 * show). Every string a peer supplied (agent names, task names, error
 * messages) is made printable and clipped here, so the page and `cohort
 * logs` can show them as they are.
 */
import { clip, partitionFailure, type ClusterEvent, type FeedItem } from '@cohort/shared';
import type { Observation } from '../observations.js';

/** A feed line before it gets its `seq` and `at`. */
export type FeedLine = Omit<FeedItem, 'seq' | 'at'>;

type AttemptObservation = Extract<Observation, { kind: 'attempt' }>;
type JobObservation = Extract<Observation, { kind: 'job' }>;

/** Milliseconds as "2.0 s" (or "350 ms" below a second). */
export function seconds(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '? s';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A cluster event as a feed line; undefined for none. */
export function clusterEventLine(e: ClusterEvent): FeedLine | undefined {
  switch (e.kind) {
    case 'agent-joined':
      return { level: 'info', agent: clip(e.agent), text: `agent ${clip(e.agent)} joined: ${plural(e.slots, 'slot')}, ${e.mode}` };
    case 'agent-suspect':
      return { level: 'warn', agent: clip(e.agent), text: `agent ${clip(e.agent)} suspect: no heartbeat for ${seconds(e.silentMs)}` };
    case 'agent-lost':
      return { level: e.reason === 'left' ? 'info' : 'error', agent: clip(e.agent), text: lostText(e) };
    case 'speculative-copy':
      return {
        level: 'info',
        jobId: e.jobId,
        agent: clip(e.agent),
        text: `speculative copy of p${e.partition} issued (running ${seconds(e.runningMs)} on ${clip(e.agent)})`,
      };
    case 'mode-escalated': {
      const why = e.why ?? e.evidence;
      const to = e.mode === 'process' ? 'processes' : 'threads';
      return {
        level: 'warn',
        agent: clip(e.agent),
        text: `task ${clip(e.task, 60)} escalated to ${to} on ${clip(e.agent)} after a slot crash${why ? ` (${clip(why)})` : ''}`,
      };
    }
    default:
      return undefined;
  }
}

function lostText(e: Extract<ClusterEvent, { kind: 'agent-lost' }>): string {
  const requeued = e.requeued > 0 ? `; ${plural(e.requeued, 'partition')} requeued` : '';
  if (e.reason === 'left') return `agent ${clip(e.agent)} left (drained)${requeued}`;
  if (e.reason === 'timeout') return `agent ${clip(e.agent)} declared dead: ${lostReason(e)}${requeued}`;
  return `agent ${clip(e.agent)} lost: ${lostReason(e)}${requeued}`;
}

/** Why an agent was lost, in a few words (the agents table's `lostReason`). */
export function lostReason(e: Extract<ClusterEvent, { kind: 'agent-lost' }>): string {
  if (e.reason === 'left') return 'drained';
  if (e.reason === 'timeout') return `no heartbeat for ${seconds(e.silentMs)}`;
  return 'connection closed';
}

/** An attempt as a feed line: failures, timeouts and speculative winners; undefined for the rest (they are bars, not news). */
export function attemptLine(o: AttemptObservation): FeedLine | undefined {
  const base = { jobId: o.jobId, agent: clip(o.agent) };
  switch (o.outcome) {
    case 'speculative-won':
      return { ...base, level: 'info', text: `speculative copy of p${o.partition} won on ${clip(o.agent)}` };
    case 'failed':
      return { ...base, level: 'warn', text: `p${o.partition} attempt ${o.attempt} failed on ${clip(o.agent)}: ${errorText(o.code, o.message)}` };
    case 'timed-out':
      return { ...base, level: 'warn', text: `p${o.partition} attempt ${o.attempt} timed out on ${clip(o.agent)}: ${errorText(o.code, o.message)}` };
    default:
      return undefined;
  }
}

function errorText(code: string | undefined, message: string | undefined): string {
  return [code && clip(code, 40), message && clip(message)].filter(Boolean).join(' ') || 'no reason given';
}

/** "12 more failed attempts of job j_…": what the feed held back of one job in one window. */
export function moreLine(jobId: string, count: number, what: string): FeedLine {
  return { level: 'warn', jobId, text: `${count} more ${what} of job ${jobId}` };
}

/** A job's lifecycle as feed lines: submitted, running (none), finished; a partition that failed for good gets a line of its own. */
export function jobLines(o: JobObservation, durationMs: number): FeedLine[] {
  const jobId = o.jobId;
  switch (o.status) {
    case 'queued':
      return [{ level: 'info', jobId, text: `job ${jobId} submitted: ${clip(o.task, 80)}, ${plural(o.partitions, 'partition')}` }];
    case 'succeeded':
      return [{ level: 'info', jobId, text: `job ${jobId} succeeded in ${seconds(durationMs)}` }];
    case 'cancelled':
      return [{ level: 'warn', jobId, text: `job ${jobId} cancelled` }];
    case 'failed':
      return [...partitionLines(o), { level: 'error', jobId, text: `job ${jobId} failed: ${errorText(o.error?.code, o.error?.message)}` }];
    default:
      return [];
  }
}

/** "p17 failed 3 attempts: <the last attempt's message>", from a PARTITION_FAILED error's details. */
function partitionLines(o: JobObservation): FeedLine[] {
  const failure = partitionFailure(o.error);
  if (!failure) return [];
  const { attempts, partition } = failure;
  if (typeof attempts === 'number') return [{ level: 'error', jobId: o.jobId, text: `p${partition} was lost ${plural(attempts, 'time')}` }];
  if (attempts.length === 0) return [{ level: 'error', jobId: o.jobId, text: `p${partition} took down ${plural(failure.deaths.length, 'agent')}` }];
  const last = attempts[attempts.length - 1]!;
  const why = `: ${errorText(last.code, last.message)}`;
  return [{ level: 'error', jobId: o.jobId, text: `p${partition} failed ${plural(attempts.length, 'attempt')}${why}` }];
}
