/**
 * A watched run: a job submitted and followed over its progress stream to
 * its end, with when it was submitted and when it ended, a (time, done)
 * sample at each progress event, and every cluster event seen meanwhile,
 * stamped with when it arrived. The drills, both demos, the bench and the
 * tests watch jobs this way; `onProgress` is the place to inject a fault.
 */
import type { ClusterEvent, JobReport, TlsClientOptions } from '@cohort/shared';
import { deferred } from '@cohort/shared/internal';
import { runJob, type JobProgress, type RunJobOptions } from './run-job.js';

/** How long a watched run keeps re-attaching after losing the coordinator, unless told otherwise. */
export const WATCH_REATTACH_TIMEOUT_MS = 30_000;

export interface JobSpec {
  task: string;
  input?: unknown;
  partitions: number;
  maxAttempts?: number;
  timeoutMs?: number;
  priority?: number;
}

/** A cluster event, stamped with when the watcher received it. */
export type ReceivedEvent = ClusterEvent & { receivedAt: number };
export type EventOf<K extends ClusterEvent['kind']> = Extract<ReceivedEvent, { kind: K }>;

/** The events of one kind (about agent `agent`, when given), typed as that kind. */
export function eventsOf<K extends ClusterEvent['kind']>(events: readonly ReceivedEvent[], kind: K, agent?: string): Array<EventOf<K>> {
  return events.filter((e): e is EventOf<K> => e.kind === kind && (agent === undefined || e.agent === agent));
}

export interface WatchedRun {
  report: JobReport;
  submittedAt: number;
  endedAt: number;
  events: ReceivedEvent[];
  /** `[Date.now(), done]` at each progress event. */
  samples: Array<[t: number, done: number]>;
}

export interface WatchOptions {
  /** Each progress event, after its sample is taken. */
  onProgress?(p: JobProgress, run: { submittedAt: number }): void;
  /** Each cluster event, after it has landed in `events`. */
  onCluster?(event: WatchedRun['events'][number]): void;
  /** Cluster events land here as they arrive, so a caller can wait on them mid-run. */
  events?: WatchedRun['events'];
  /** Default WATCH_REATTACH_TIMEOUT_MS. */
  reattachTimeoutMs?: number;
  onReattach?: RunJobOptions['onReattach'];
}

/** The coordinator a watched run talks to. */
export interface WatchTarget {
  url: string;
  token?: string | undefined;
  tls?: TlsClientOptions | undefined;
}

/** Submit `spec` to the coordinator at `target.url` and follow it to its end. */
export async function watchJob(target: WatchTarget, spec: JobSpec, options: WatchOptions = {}): Promise<WatchedRun> {
  const events = options.events ?? [];
  const samples: WatchedRun['samples'] = [];
  const state = { submittedAt: Date.now() };
  const report = await runJob({
    url: target.url,
    token: target.token,
    ...(target.tls && { tls: target.tls }),
    task: spec.task,
    input: spec.input,
    partitions: spec.partitions,
    ...(spec.maxAttempts !== undefined && { maxAttempts: spec.maxAttempts }),
    ...(spec.timeoutMs !== undefined && { timeoutMs: spec.timeoutMs }),
    ...(spec.priority !== undefined && { priority: spec.priority }),
    reattachTimeoutMs: options.reattachTimeoutMs ?? WATCH_REATTACH_TIMEOUT_MS,
    ...(options.onReattach && { onReattach: options.onReattach }),
    onSubmitted: () => (state.submittedAt = Date.now()),
    onProgress: (p) => {
      samples.push([Date.now(), p.done]);
      options.onProgress?.(p, state);
    },
    onCluster: (e) => {
      const event = { ...e, receivedAt: Date.now() };
      events.push(event);
      options.onCluster?.(event);
    },
  });
  return { report, submittedAt: state.submittedAt, endedAt: Date.now(), events, samples };
}

/** A fault to inject once, at the first progress event for which `when` holds. */
export interface FaultPoint {
  when(p: JobProgress): boolean;
  inject(p: JobProgress, run: { submittedAt: number }): void;
}

export interface FaultedRun {
  /** The run, to its end. */
  run: Promise<WatchedRun>;
  /** The cluster events so far, filled in as they arrive. */
  events: WatchedRun['events'];
  /** Resolves with the time the fault was injected; rejects if the job ended first. */
  injected: Promise<number>;
  /** The time the fault was injected; 0 until then. */
  injectedAt(): number;
}

/** A watched run that injects `fault` once, from the progress stream. */
export function watchWithFault(target: WatchTarget, spec: JobSpec, fault: FaultPoint, options: WatchOptions = {}): FaultedRun {
  const events = options.events ?? [];
  const injected = deferred<number>();
  injected.promise.catch(() => {}); // awaiting it is optional
  let at = 0;
  const run = watchJob(target, spec, {
    ...options,
    events,
    onProgress: (p, state) => {
      if (!at && fault.when(p)) {
        at = Date.now();
        fault.inject(p, state);
        injected.resolve(at);
      }
      options.onProgress?.(p, state);
    },
  });
  void run.finally(() => injected.reject(new Error(`${spec.task} job ended before its fault was injected`))).catch(() => {});
  return { run, events, injected: injected.promise, injectedAt: () => at };
}
