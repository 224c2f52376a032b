/**
 * The one executor of the cluster's effects. Every input (a socket's
 * message, a tick, a submission, a merge's outcome) goes to the pure state
 * machine in cluster.ts, which returns effects; `Executor.run` carries them
 * out: frames to sockets, records to the journal, events to watchers,
 * merges off the socket path.
 */
import type { WebSocket } from 'ws';
import { encode, assertNever, toWireError, type AgentMessage, type CohortError, type CoordinatorMessage, type HelloMessage, type Logger } from '@cohort/shared';
import type { AgentSession } from './agent-session.js';
import { closeSocket, type AgentPort } from './agent-socket.js';
import type { BundleStore } from './bundle-store.js';
import type { SharedStore } from './shared-store.js';
import type { Cluster } from './cluster.js';
import type { Effect } from './effects.js';
import type { Job } from './job.js';
import type { JobHandoff } from './job-service.js';
import { mergeJob } from './merge.js';
import type { CoordinatorMetrics } from './metrics/index.js';
import type { Observers } from './observations.js';
import { jobProgress, jobReport } from './report.js';
import type { EventStreams } from './sse.js';
import type { StateStore } from './state-store.js';

export interface ExecutorDeps {
  store: StateStore | undefined;
  bundles: BundleStore;
  /** Jobs' shared values, read a part at a time for `serve-shared`. */
  shared: SharedStore;
  streams: EventStreams;
  /** The dashboard's view and the metrics (observations.ts). */
  observers: Observers;
  /** The Prometheus metrics: they count the attempts each `assign` issues, by reason. */
  metrics: CoordinatorMetrics;
  log: Logger;
  /** Told to agents in `welcome`: they size their results to it. */
  maxPayloadBytes: number;
}

/** Feeds inputs to the cluster and carries out the effects it returns, in order. */
export class Executor implements AgentPort, JobHandoff {
  private scheduled = false;
  /** The last heartbeat sent and its frame (frameOf). */
  private beat: { message: CoordinatorMessage; frame: Uint8Array } | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly deps: ExecutorDeps,
  ) {}

  // ---------------------------------------------------------------- inputs

  join(sessionId: string, hello: HelloMessage, conn: WebSocket): AgentSession | undefined {
    let session: AgentSession | undefined;
    this.feed(() => {
      const joined = this.cluster.join(sessionId, hello, Date.now(), conn);
      session = joined.session;
      return joined.effects;
    });
    this.scheduleSoon();
    return session;
  }

  receive(session: AgentSession, msg: AgentMessage): void {
    const wasReady = session.state === 'ready';
    this.feed(() => this.cluster.receive(session, msg, Date.now()));
    // A heartbeat from a ready agent frees no credit and queues no work: with 10,000 sessions beating twice a
    // second, scheduling after each would walk every session 20,000 times a second. (One that brings a
    // suspect agent back does schedule; the tick schedules anyway.)
    if (msg.type !== 'heartbeat' || !wasReady) this.scheduleSoon();
  }

  disconnected(session: AgentSession): void {
    this.scheduleSoon();
    this.feed(() => this.cluster.disconnected(session, Date.now()));
  }

  submit(job: Job): void {
    this.observeJob(job, Date.now());
    this.feed(() => this.cluster.submit(job));
    this.scheduleSoon();
  }

  cancel(jobId: string): void {
    this.feed(() => this.cluster.cancel(jobId, Date.now()));
  }

  tick(): void {
    this.guarded('tick', () => this.feed(() => this.cluster.tick(Date.now())));
    this.scheduleSoon();
  }

  /** Run the scheduler on a later turn, once however many inputs asked for it. */
  scheduleSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.guarded('schedule', () => this.feed(() => this.cluster.schedule(Date.now())));
    });
  }

  /**
   * One input and its effects. When the input throws part-way, what it had
   * already changed is still carried out (an accepted result must still be
   * journaled), and the error goes on to the caller.
   */
  private feed(input: () => Effect[]): void {
    let effects: Effect[];
    try {
      effects = input();
    } catch (err) {
      this.run(this.cluster.pending());
      throw err;
    }
    this.run(effects);
  }

  // ---------------------------------------------------------------- effects

  /** Carry out each effect in order; one that throws is logged, and the rest still run. */
  run(effects: readonly Effect[]): void {
    for (const effect of effects) {
      try {
        this.apply(effect);
      } catch (err) {
        this.deps.log.error('effect failed', { effect: effect.type, code: (err as CohortError).code, message: (err as Error).message });
      }
    }
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case 'send':
        return this.send(effect.session, effect.message);
      case 'close':
        return closeSocket(effect.session.conn as WebSocket, effect.code, effect.message);
      case 'journal':
        this.deps.streams.resultsReady(effect.job.id);
        return this.deps.store?.resultAccepted(effect.job, effect.partition, effect.attempt);
      case 'merge':
        return this.merge(effect.job);
      case 'progress':
        return this.deps.streams.progress(effect.job.id, () => this.progressOf(effect.job));
      case 'notify':
        this.deps.observers.observe({ kind: 'cluster', event: effect.event });
        return this.deps.streams.sendAll('cluster', effect.event);
      case 'finished':
        return this.finished(effect.job);
      case 'serve-bundle':
        return this.servePart(effect.session, 'bundle', effect.hash, effect.offset);
      case 'serve-shared':
        return this.servePart(effect.session, 'shared', effect.hash, effect.offset);
      case 'observe':
        return this.deps.observers.observe(effect.observation);
      default:
        assertNever(effect, 'cluster effect');
    }
  }

  /** With a journal, watchers are told only what is durable as done (report.ts). */
  private progressOf(job: Job) {
    return jobProgress(job, this.deps.store?.durableCount);
  }

  /** Results became durable: tell the watchers of those jobs (throttled by the streams). */
  durable(jobIds: readonly string[]): void {
    for (const jobId of jobIds) {
      const job = this.cluster.jobs.get(jobId);
      if (job && !job.finished) {
        this.deps.streams.progress(jobId, () => this.progressOf(job));
        this.deps.streams.resultsReady(jobId);
      }
    }
  }

  /**
   * The frame of `message`. A tick sends one heartbeat object to every live session: it is encoded once
   * (10,000 sessions, 2 beats a second, is 20,000 encodes a second otherwise).
   */
  private frameOf(message: CoordinatorMessage): Uint8Array {
    if (message.type !== 'heartbeat') return encode(message);
    if (this.beat?.message !== message) this.beat = { message, frame: encode(message) };
    return this.beat.frame;
  }

  /** `written` (when given) runs once the frame has left for the socket, or at once when it cannot be sent. */
  private send(session: AgentSession, message: CoordinatorMessage, written?: () => void): void {
    const ws = session.conn as WebSocket;
    // The agent sizes its results to our frame limit (its slots refuse a larger value with RESULT_TOO_LARGE).
    if (message.type === 'welcome') message = { ...message, maxPayloadBytes: this.deps.maxPayloadBytes };
    if (message.type === 'assign') this.deps.metrics.issued(message);
    if (ws.readyState !== ws.OPEN) return written?.();
    const frame = this.frameOf(message);
    ws.send(frame, written && (() => written()));
    this.deps.observers.observe({ kind: 'ws-bytes', direction: 'out', bytes: frame.length });
  }

  /**
   * A part of a bundle or shared value, read from disk off the socket path; one that cannot be read (missing,
   * damaged) is refused with its code. The part stays in flight until it has left for the socket: an agent that
   * asks and never reads is expelled at RATES.bundleReadsInFlight parts, instead of the coordinator buffering
   * every part it asks for.
   */
  private servePart(session: AgentSession, kind: 'bundle' | 'shared', hash: string, offset: number): void {
    const served = () =>
      this.guarded(`${kind} served`, () => this.feed(() => (kind === 'bundle' ? this.cluster.bundleServed(session) : this.cluster.sharedServed(session))));
    const store = kind === 'bundle' ? this.deps.bundles : this.deps.shared;
    store.read(hash, offset).then(
      ({ data, total }) => this.send(session, { type: kind === 'bundle' ? 'bundle-part' : 'shared-part', hash, offset, total, data }, served),
      (err: unknown) => {
        const error = toWireError(err);
        delete error.stack;
        this.send(session, { type: kind === 'bundle' ? 'bundle-refused' : 'shared-refused', hash, error }, served);
      },
    );
  }

  /** Every accepted result is durable before the job can complete; then merge on a later turn. */
  private merge(job: Job): void {
    const durable = this.deps.store ? this.deps.store.flush() : Promise.resolve();
    durable.then(
      () =>
        setImmediate(() => {
          // Cancelled while its results were being made durable: nothing to merge.
          if (job.finished) return;
          this.guarded('merge', () => this.feed(() => this.cluster.merged(job, mergeJob(job), Date.now())));
        }),
      () => {}, // the journal failed: the coordinator is stopping (StateStore's onFatal)
    );
  }

  /** Record the end, tell the watchers once it is durable, and let the cluster retire the job. */
  private observeJob(job: Job, now: number): void {
    const { id: jobId, status, total: partitions, error } = job;
    this.deps.observers.observe({ kind: 'job', at: now, jobId, task: job.spec.task, status, partitions, ...(error && { error }) });
  }

  private finished(job: Job): void {
    this.observeJob(job, Date.now());
    const durable = this.deps.store ? this.deps.store.jobFinished(job) : Promise.resolve();
    // Not durable (the journal failed, and the coordinator is stopping): watchers are not told of an end a restart would not know.
    durable
      .then(() => this.deps.streams.sendJob(job.id, 'end', jobReport(job, Date.now()), true))
      .catch((err: unknown) =>
        this.deps.log.error('job end not sent to watchers', { jobId: job.id, code: (err as CohortError)?.code, message: (err as Error)?.message }),
      );
    this.feed(() => this.cluster.retire(job));
  }

  /** A timer callback that throws is a bug to log, never a reason for the process to exit. */
  private guarded(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.log.error('timer callback failed', { what, code: (err as CohortError).code, message: (err as Error).message });
    }
  }
}
