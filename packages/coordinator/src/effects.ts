/**
 * What the cluster asks of the outside world, as data: every input of the
 * cluster returns a list of effects, in order, and coordinator.ts carries them
 * out. The cluster itself does no I/O.
 */
import type { CoordinatorMessage, ErrorCode } from '@cohort/shared';
import type { AgentSession } from './agent-session.js';
import type { ClusterEvent } from './cluster-types.js';
import type { Job, JobError, Partition } from './job.js';
import type { Observation } from './observations.js';

/**
 * What the cluster asks the outside world to do. Every input of the cluster
 * returns a list of these, in order; coordinator.ts carries them out (model:
 * dask's worker state machine, whose `handle_stimulus` returns instructions).
 */
export type Effect =
  | { type: 'send'; session: AgentSession; message: CoordinatorMessage }
  | { type: 'close'; session: AgentSession; code: ErrorCode; message: string }
  /** A result was accepted (from attempt `attempt`): the journal records it before the job can complete. */
  | { type: 'journal'; job: Job; partition: Partition; attempt: number }
  /** Every partition succeeded: merge the results, off the socket path, then feed the outcome back (`merged`). */
  | { type: 'merge'; job: Job }
  /** Counts changed; the server throttles what it sends to watchers. */
  | { type: 'progress'; job: Job }
  /** Something a watcher or a drill wants to see: an agent joined, was lost, a copy was issued. */
  | { type: 'notify'; event: ClusterEvent }
  /** The job reached a final state: record its end, tell its watchers, then `retire` it. */
  | { type: 'finished'; job: Job }
  /** Send this session a `bundle-part` of bundle `hash` from `offset` (it was checked to hold work of a job with that task). */
  | { type: 'serve-bundle'; session: AgentSession; hash: string; offset: number }
  /** Send this session a `shared-part` of shared value `hash` from `offset` (it was checked to hold work of a job sharing it). */
  | { type: 'serve-shared'; session: AgentSession; hash: string; offset: number }
  /** A fact for the observers (the dashboard, the metrics): an attempt ended. Counted, never acted on. */
  | { type: 'observe'; observation: Observation };

/** The effects of one input, collected in order. */
export class Effects {
  private list: Effect[] = [];

  send(session: AgentSession, message: CoordinatorMessage): void {
    this.list.push({ type: 'send', session, message });
  }
  close(session: AgentSession, code: ErrorCode, message: string): void {
    this.list.push({ type: 'close', session, code, message });
  }
  journal(job: Job, partition: Partition, attempt: number): void {
    this.list.push({ type: 'journal', job, partition, attempt });
  }
  merge(job: Job): void {
    this.list.push({ type: 'merge', job });
  }
  progress(job: Job): void {
    this.list.push({ type: 'progress', job });
  }
  notify(event: ClusterEvent): void {
    this.list.push({ type: 'notify', event });
  }
  finished(job: Job): void {
    this.list.push({ type: 'finished', job });
  }
  serveBundle(session: AgentSession, hash: string, offset: number): void {
    this.list.push({ type: 'serve-bundle', session, hash, offset });
  }

  serveShared(session: AgentSession, hash: string, offset: number): void {
    this.list.push({ type: 'serve-shared', session, hash, offset });
  }

  observe(observation: Observation): void {
    this.list.push({ type: 'observe', observation });
  }

  /** Everything collected since the last call, and a fresh list for the next input. */
  take(): Effect[] {
    const out = this.list;
    this.list = [];
    return out;
  }
}

/** The outcome of a merge, fed back to the cluster. */
export type MergeOutcome = { result: unknown } | { error: JobError };
