/**
 * An agent at run time: it wires the slot pool, the outbox and the link
 * together, keeps the health file fresh, and drains. The link (link.ts)
 * reports what arrives; this class decides what it means for the pool.
 * Work for a shipped task waits in `BundleWork` (bundles/) while the bundle
 * cache fetches its bundle over the link; then work of a job with a shared
 * value waits in `SharedWork` (shared/) while the shared store fetches it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { utimesSync, writeFileSync } from 'node:fs';
import {
  assertNever,
  type AssignMessage,
  type BundlePartMessage,
  type BundleRefusedMessage,
  type CancelMessage,
  type CohortError,
  ErrorCode,
  bundleHashOf,
  isBundleRef,
  type Load,
  type Logger,
  type ReleaseMessage,
  type SharedPartMessage,
  type SharedRefusedMessage,
  type WelcomeMessage,
} from '@cohort/shared';
import { deferred } from '@cohort/shared/internal';
import type { Agent, AgentHooks } from './agent.js';
import { BundleCache, BundleWork } from './bundles/index.js';
import { Link, type LinkOwner } from './link.js';
import type { LinkState } from './link-machine.js';
import { LoadSampler } from './load.js';
import { AgentMetrics } from './metrics/index.js';
import type { CompiledAgentOptions } from './options.js';
import { Outbox } from './outbox.js';
import { SharedStore, SharedWork } from './shared/index.js';
import { SlotPool } from './slots/index.js';
import { wireError } from './slots/work.js';

/** While flushing after a drain, look again this often. */
const FLUSH_POLL_MS = 20;

/** Refresh `path`'s mtime (creating it if need be). Health reporting is advisory: errors are ignored. */
export function touchHealthFile(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    try {
      writeFileSync(path, '');
    } catch {
      // Advisory.
    }
  }
}

/** The shared store (fed by the link, telling the pool what it frees) and the gate in front of the pool. */
function sharedSide(options: CompiledAgentOptions, link: Link, pool: SlotPool, outbox: Outbox, log: Logger): { store: SharedStore; work: SharedWork } {
  const store: SharedStore = new SharedStore({
    maxBytes: options.maxSharedBytes,
    send: (m) => link.send(m),
    dropped: (hash) => pool.dropShared(hash),
    dir: options.cacheDir,
    logger: log,
    // Work queued or running, and work held at the shared gate (waiting for a value, or for its copy for process slots).
    inUse: (): string[] => [...pool.sharedInUse(), ...work.hashes()],
  });
  const work: SharedWork = new SharedWork({
    store,
    submit: (a, frameBytes) => pool.submit(a, frameBytes),
    fail: (jobId, items) => outbox.addResults(jobId, items),
    mode: options.mode,
    logger: log.child({ component: 'shared-work' }),
  });
  return { store, work };
}

export class AgentRuntime implements Agent, LinkOwner {
  readonly name: string;
  readonly ready: Promise<void>;
  readonly closed: Promise<void>;
  private readonly log: Logger;
  private readonly load = new LoadSampler();
  private readonly link: Link;
  private readonly outbox: Outbox;
  private readonly pool: SlotPool;
  private readonly bundles: BundleCache;
  private readonly bundleWork: BundleWork;
  private readonly sharedStore: SharedStore;
  private readonly sharedWork: SharedWork;
  /** GET /metrics on `metricsPort`, when set. */
  private readonly metrics: AgentMetrics | undefined;
  private readonly joinedOnce = deferred<void>();
  private readonly stopped = deferred<void>();
  private stopping: Promise<void> | undefined;

  constructor(
    readonly options: CompiledAgentOptions,
    hooks: AgentHooks = {},
  ) {
    this.name = options.name;
    this.log = options.logger.child({ agent: options.name });
    this.ready = this.joinedOnce.promise;
    this.ready.catch(() => {});
    this.closed = this.stopped.promise;
    this.link = new Link(options, this, this.log, hooks);
    if (options.metricsPort !== undefined) this.metrics = new AgentMetrics(options, this.log.child({ component: 'metrics' }));
    const counts = this.metrics?.counts;
    this.outbox = new Outbox(
      (m) => this.link.send(m),
      options.maxHeldResults,
      (frame) => this.link.sendFrame(frame),
      (flush) => this.link.corked(flush),
    );
    this.pool = new SlotPool({
      slots: options.slots,
      mode: options.mode,
      heapLimitMb: options.heapLimitMb,
      tasksDirs: options.tasksDirs,
      bundleDir: options.cacheDir,
      shared: { bytes: (hash) => this.sharedStore.bytes(hash), fileFor: (hash) => this.sharedStore.fileFor(hash) },
      logger: this.log.child({ component: 'slots' }),
      ...(counts && { hooks: counts.hooks }),
      events: {
        onResults: (jobId, items) => {
          counts?.recordResults(items);
          this.outbox.addResults(jobId, items);
        },
        onStarted: (jobId, items) => this.outbox.addStarted(jobId, items),
        onModeChange: (change) => {
          this.log.warn('task escalated to processes', { task: change.task, why: change.why, evidence: change.evidence?.code });
          this.link.send(change);
        },
      },
    });
    this.bundles = new BundleCache({
      dir: options.cacheDir,
      maxBytes: options.cacheMaxBytes,
      send: (m) => this.link.send(m),
      inUse: () => this.bundlesInUse(),
      logger: this.log,
    });
    ({ store: this.sharedStore, work: this.sharedWork } = sharedSide(options, this.link, this.pool, this.outbox, this.log));
    // Gates in a chain: a bundle first, then a shared value, then the slots.
    this.bundleWork = new BundleWork({
      cache: this.bundles,
      submit: (a, frameBytes) => this.sharedWork.assign(a, frameBytes),
      fail: (jobId, items) => this.outbox.addResults(jobId, items),
      mode: options.mode,
      logger: this.log.child({ component: 'bundle-work' }),
    });
  }

  get state(): LinkState {
    return this.link.state;
  }
  get sessionId(): string | undefined {
    return this.link.sessionId;
  }
  get metricsPort(): number | undefined {
    return this.metrics?.port;
  }

  /** Serve the metrics (when asked), start the slots, then connect. */
  async start(): Promise<void> {
    await this.metrics?.start({
      slotStates: () => this.pool.slotStates(),
      queued: () => this.pool.queued,
      cacheBytes: () => this.bundles.diskBytes(),
      sharedBytes: () => this.sharedStore.heldBytes,
    });
    await this.pool.start().catch(async (err: unknown) => {
      await this.metrics?.stop();
      throw err;
    });
    this.load.start(this.options.loadSampleMs);
    this.link.start();
  }

  async drain(): Promise<void> {
    if (this.link.state === 'stopped') return;
    this.link.drain();
    this.bundleWork.failAll(wireError(ErrorCode.SHUTTING_DOWN, 'the agent is draining; this partition waited for its bundle'));
    this.sharedWork.failAll(wireError(ErrorCode.SHUTTING_DOWN, 'the agent is draining; this partition waited for its shared value'));
    this.log.info('draining', { queued: this.pool.queued, busySlots: this.pool.busySlots, graceMs: this.options.drainGraceMs });
    await this.pool.drain(this.options.drainGraceMs);
    await this.waitForFlush();
    this.link.close(1000, 'drained');
    await this.shutdown();
  }

  stop(): Promise<void> {
    return this.shutdown();
  }

  // ---------------------------------------------------------------- LinkOwner

  joined(welcome: WelcomeMessage, restarted: boolean): void {
    if (restarted) {
      const dropped = this.outbox.clear();
      this.pool.cancelAll();
      const droppedHeld = this.bundleWork.clear() + this.sharedWork.clear();
      this.bundles.abortAll('the coordinator restarted');
      this.sharedStore.clear('the coordinator restarted');
      this.log.warn('coordinator restarted; dropped results and work issued by its previous start', { droppedResults: dropped, droppedHeld });
    }
    if (welcome.maxPayloadBytes !== undefined) {
      this.outbox.maxFrameBytes = welcome.maxPayloadBytes;
      this.pool.setMaxFrameBytes(welcome.maxPayloadBytes);
    }
    this.log.info('agent joined', { sessionId: welcome.sessionId, slots: this.options.slots, mode: this.options.mode, heldResults: this.outbox.pending });
    this.outbox.flush();
    this.joinedOnce.resolve();
  }

  work(msg: AssignMessage | CancelMessage, frameBytes: number): void {
    switch (msg.type) {
      case 'assign':
        // A shipped task may wait for its bundle, a job's work for its shared value; else the batch goes to the pool
        // as it came: header and items, no copy.
        if (isBundleRef(msg.task)) this.bundleWork.assign(msg, frameBytes);
        else if (msg.shared) this.sharedWork.assign(msg, frameBytes);
        else this.pool.submit(msg, frameBytes);
        return;
      case 'cancel':
        this.bundleWork.cancel(msg.jobId, msg.items);
        this.sharedWork.cancel(msg.jobId, msg.items);
        this.pool.cancel(msg.jobId, msg.items);
        return;
      default:
        assertNever(msg, 'work message');
    }
  }

  bundle(msg: BundlePartMessage | BundleRefusedMessage): void {
    this.bundles.receive(msg);
  }

  shared(msg: SharedPartMessage | SharedRefusedMessage | ReleaseMessage): void {
    if (msg.type !== 'release') return this.sharedStore.receive(msg);
    // The job ended: nothing of it is worth running, and its value is freed with its last job.
    // A job this agent knows nothing of finds nothing to drop.
    this.sharedStore.release(msg.jobId);
    this.bundleWork.cancel(msg.jobId);
    this.sharedWork.cancel(msg.jobId);
    this.pool.cancel(msg.jobId);
  }

  currentLoad(): Load {
    return this.load.current(this.pool.queued, this.pool.busySlots);
  }

  beatSent(): void {
    if (this.options.healthFile) touchHealthFile(this.options.healthFile);
  }

  disconnected(): void {
    this.outbox.resetStarted();
    // Parts asked for on this connection will not come: the held work fails, and the coordinator retries it.
    this.bundles.abortAll('the connection to the coordinator was lost');
    this.sharedStore.abortAll('the connection to the coordinator was lost');
  }

  heldResults(): number {
    return this.outbox.pending;
  }

  ended(error?: CohortError): void {
    if (error) {
      this.log.error('agent stopped', { code: error.code, message: error.message });
      this.joinedOnce.reject(error);
    }
    void this.shutdown(error);
  }

  // ---------------------------------------------------------------- stopping

  private shutdown(error?: CohortError): Promise<void> {
    this.stopping ??= this.doShutdown(error);
    return this.stopping;
  }

  private async doShutdown(error: CohortError | undefined): Promise<void> {
    this.link.stop();
    this.load.stop();
    this.bundleWork.failAll(wireError(ErrorCode.SHUTTING_DOWN, 'the agent stopped before this partition ran'));
    this.sharedWork.failAll(wireError(ErrorCode.SHUTTING_DOWN, 'the agent stopped before this partition ran'));
    this.bundles.abortAll('the agent stopped');
    this.sharedStore.abortAll('the agent stopped');
    await this.pool.stop();
    this.sharedStore.clear('the agent stopped');
    await this.metrics?.stop();
    this.link.terminate();
    this.log.info('agent stopped', { droppedResults: this.outbox.dropped });
    if (error) this.stopped.reject(error);
    else this.stopped.resolve();
  }

  /** Bundles the current work needs: queued or in a slot, or waiting for its fetch. Never evicted. */
  private *bundlesInUse(): Iterable<string> {
    for (const task of this.pool.tasks()) if (isBundleRef(task)) yield bundleHashOf(task);
    yield* this.bundleWork.hashes();
  }

  /** After a drain: send what is held, bounded by flushTimeoutMs. */
  private async waitForFlush(): Promise<void> {
    const deadline = Date.now() + this.options.flushTimeoutMs;
    while (this.link.open && (this.outbox.pending > 0 || this.link.bufferedAmount > 0) && Date.now() < deadline) {
      this.outbox.flush();
      await sleep(FLUSH_POLL_MS);
    }
  }
}
