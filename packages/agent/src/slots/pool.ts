/**
 * The agent's local execution engine. Partitions wait in one FIFO deque; the
 * pool posts them to free slots in batches sized per task (EWMA of run time),
 * turns each slot's result chunks into ResultItems, and handles every way a
 * slot can end: crash (blame the running partition with the evidence, requeue
 * the rest at the front, respawn), timeout, cancel and shutdown. In auto mode
 * it holds thread and process slots as needed, never running more than
 * `slots` partitions at once.
 */
import {
  CohortError,
  DEFAULT_MAX_FRAME_BYTES,
  ErrorCode,
  RESULT_FRAME_OVERHEAD_BYTES,
  RawValue,
  type AssignItem,
  type Logger,
  type ResultItem,
  type SlotMode,
} from '@cohort/shared';
import { Backoff, type Deferred, deferred, settlesWithin } from '@cohort/shared/internal';
import { DEFAULT_HEAP_LIMIT_MB, MAX_BATCH, MAX_BATCH_BYTES, MAX_START_ATTEMPTS, START_RETRY_BASE_MS, START_RETRY_MAX_MS } from './constants.js';
import { buildEvidence, exitError } from './evidence.js';
import { ModeBook, type ModeChoice } from './mode.js';
import type { ExitInfo } from './runtime.js';
import { Slot, type Batch, type SlotListener } from './slot.js';
import type { SlotState } from './slot-machine.js';
import type { BatchResultsMessage } from './slot-protocol.js';
import { TaskStats } from './task-stats.js';
import { giveShared } from './shared-post.js';
import { NO_HOOKS, type Assignment, type JobHeader, type SlotExitCause, type SlotExitEvidence, type SlotHooks, type SlotPoolOptions } from './types.js';
import { ResultsByJob, admit, failedResult, wireError } from './work.js';
import { WorkQueue, type Removed } from './work-queue.js';

type PoolState = 'new' | 'running' | 'draining' | 'stopping' | 'stopped';

/** Retrying a failed slot start: START_RETRY_BASE_MS, doubled per consecutive failure, no jitter. */
const startBackoff = () => new Backoff({ initialMs: START_RETRY_BASE_MS, maxMs: START_RETRY_MAX_MS, jitter: false });

export class SlotPool {
  private readonly queue = new WorkQueue();
  private readonly slots: Slot[] = [];
  private readonly book: ModeBook;
  private readonly stats = new TaskStats();
  private readonly hooks: SlotHooks;
  private readonly log: Logger;
  private readonly heapLimitMb: number;
  /** The most bytes one encoded result may take; set from the coordinator's frame limit. */
  private maxValueBytes: number;
  private readonly listener: SlotListener;
  /** Consecutive failed starts per slot kind, and the delay before the next try. */
  private readonly startRetry: Record<SlotMode, Backoff> = { thread: startBackoff(), process: startBackoff() };
  private readonly retryTimers: Partial<Record<SlotMode, NodeJS.Timeout>> = {};
  private state: PoolState = 'new';
  private nextSlot = 1;
  private stopping: Promise<void> | undefined;
  private idle: Deferred<void> | undefined;

  constructor(private readonly options: SlotPoolOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1)
      throw new CohortError(ErrorCode.INVALID_OPTION, `slots must be an integer >= 1, got ${options.slots}`);
    this.heapLimitMb = options.heapLimitMb ?? DEFAULT_HEAP_LIMIT_MB;
    this.maxValueBytes = 0;
    this.setMaxFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.book = new ModeBook(options.mode);
    this.hooks = options.hooks ?? NO_HOOKS;
    this.log = options.logger.child({ component: 'slot-pool' });
    this.listener = {
      ready: (slot) => this.onReady(slot),
      results: (slot, batch, message) => this.onResults(slot, batch, message),
      exited: (slot, info, stateAtExit, crashed) => this.onExit(slot, info, stateAtExit, crashed),
      startFailed: (slot, error) => this.onStartFailed(slot, error),
    };
  }

  get queued(): number {
    return this.queue.length;
  }
  get busySlots(): number {
    let n = 0;
    for (const slot of this.slots) if (slot.state === 'busy') n++;
    return n;
  }
  /** Each live slot's mode and state (the agent's metrics). */
  slotStates(): Array<[SlotMode, SlotState]> {
    return this.slots.map((slot) => [slot.mode, slot.state]);
  }
  /** Live slots of both kinds (in auto mode up to 2 × `slots`, of which at most `slots` are busy). */
  get size(): number {
    return this.slots.length;
  }

  /** The coordinator's frame limit (from its `welcome`): results are refused in the slot beyond it, less the frame around them. */
  setMaxFrameBytes(bytes: number): void {
    this.maxValueBytes = Math.max(0, bytes - RESULT_FRAME_OVERHEAD_BYTES);
  }

  /** Spawn the slots of the agent's main kind (threads, or processes in `processes` mode); the other kind starts on demand. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    const mode: SlotMode = this.options.mode === 'processes' ? 'process' : 'thread';
    const started = Array.from({ length: this.options.slots }, () => this.spawn(mode));
    await Promise.all(started.map((slot) => slot.start()));
    if (!this.slots.some((slot) => slot.state === 'ready' || slot.state === 'busy')) {
      throw new CohortError(ErrorCode.SLOT_START_FAILED, `none of ${this.options.slots} ${mode} slots could start`, {
        details: { mode, heapLimitMb: this.heapLimitMb },
      });
    }
    this.dispatch();
  }

  /**
   * Queue one assign batch. `frameBytes`, the size of the frame it came in,
   * bounds how many of its partitions go to a slot in one message. Work the
   * pool cannot take fails at once: BAD_INPUT, or SHUTTING_DOWN once draining.
   */
  submit(assignment: Assignment, frameBytes = 0): void {
    const closed = this.state === 'draining' || this.state === 'stopping' || this.state === 'stopped';
    const { queue, refused, problem } = admit(assignment, closed, (task, isolation) => this.book.choose(task, isolation, assignment.sharedInput === true));
    if (queue.length > 0) this.queue.push(assignment, queue, Math.ceil(frameBytes / Math.max(1, assignment.items.length)));
    if (refused.length > 0) this.options.events.onResults(assignment.jobId, refused);
    if (problem !== undefined) this.log.warn('dropped work without a jobId', { problem });
    this.dispatch();
  }

  cancel(jobId: string, partitions?: number[]): void {
    const only = partitions ? new Set(partitions) : undefined;
    const hit = (item: AssignItem) => !only || only.has(item.p);
    const dropped = this.queue.remove(jobId, only ? hit : undefined);
    for (const slot of this.slots) {
      const batch = slot.batch;
      if (!batch || batch.job.jobId !== jobId) continue;
      for (let i = batch.reported; i < batch.items.length; i++) {
        if (hit(batch.items[i] as AssignItem)) (batch.cancelled ??= [])[i] = true;
      }
      // The running partition is cancelled: only killing the slot stops it.
      if (batch.cancelled?.[batch.reported]) void slot.stop('cancel');
    }
    this.log.debug('cancelled', { jobId, partitions: partitions?.length, droppedQueued: dropped });
    this.settle();
  }

  /** The tasks of the work queued or in a slot now. */
  tasks(): Set<string> {
    const tasks = new Set<string>();
    for (const q of this.queue.heads()) tasks.add(q.job.task);
    for (const slot of this.slots) if (slot.batch) tasks.add(slot.batch.job.task);
    return tasks;
  }

  /** The shared values of the work queued or in a slot now. */
  sharedInUse(): Set<string> {
    const hashes = new Set<string>();
    for (const q of this.queue.heads()) if (q.job.shared) hashes.add(q.job.shared.hash);
    for (const slot of this.slots) if (slot.batch?.job.shared) hashes.add(slot.batch.job.shared.hash);
    return hashes;
  }

  /** Shared value `hash` was freed: every slot that holds it drops it. */
  dropShared(hash: string): void {
    for (const slot of this.slots) slot.dropShared(hash);
  }

  /** Cancel every job: queued work is dropped, and slots running it are stopped. */
  cancelAll(): void {
    const jobs = new Set<string>();
    for (const q of this.queue.heads()) jobs.add(q.job.jobId);
    for (const slot of this.slots) if (slot.batch) jobs.add(slot.batch.job.jobId);
    for (const jobId of jobs) this.cancel(jobId);
  }

  async drain(graceMs: number): Promise<void> {
    if (this.state === 'new' || this.state === 'running') {
      this.state = 'draining';
      await settlesWithin(this.whenIdle(), graceMs);
    }
    await this.stop();
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.state = 'stopping';
    for (const timer of Object.values(this.retryTimers)) clearTimeout(timer);
    this.failRemoved(this.queue.clear(), wireError(ErrorCode.SHUTTING_DOWN, 'the agent stopped before this partition ran'));
    await Promise.all(this.slots.slice().map((slot) => slot.stop('shutdown')));
    this.state = 'stopped';
    this.settle();
  }

  // ---------------------------------------------------------------- dispatch

  private dispatch(): void {
    if (this.state !== 'running' && this.state !== 'draining') return;
    let started: Map<string, Array<[number, number]>> | undefined;
    let busy = this.busySlots;
    while (this.queue.length > 0 && busy < this.options.slots) {
      const sent = this.dispatchOne(busy);
      if (!sent) break;
      busy++;
      if (sent.single) {
        started ??= new Map();
        let list = started.get(sent.job.jobId);
        if (!list) started.set(sent.job.jobId, (list = []));
        const item = sent.items[0] as AssignItem;
        list.push([item.p, item.a]);
      }
    }
    if (started) for (const [jobId, items] of started) this.options.events.onStarted(jobId, items);
  }

  /** Post one batch: the first job, in turn order (work-queue.ts), with a free slot of its kind. */
  private dispatchOne(busy: number): Batch | undefined {
    for (const q of this.queue.heads()) {
      const job = q.job;
      const choice = this.choose(job);
      const slot = this.freeSlot(choice.mode);
      if (!slot) {
        this.grow(choice.mode, busy);
        continue;
      }
      const missing = job.shared && giveShared(slot, job.shared, this.options.shared);
      if (missing) {
        this.failRemoved(
          this.queue.removeWhere((j) => j.jobId === job.jobId),
          wireError(ErrorCode.SHARED_FETCH_FAILED, missing),
        );
        continue;
      }
      // A retried partition (attempt > 1) is suspect: it runs alone, so that the coordinator hears it
      // started and can hold this agent's death against it.
      const single = job.timeoutMs > 0 || q.first.a > 1 || !this.stats.isSmall(job.task, job.jobId);
      // By count, and by size: no-op partitions with 1 MB inputs must not make 256 MB messages.
      const itemBytes = q.firstBytes;
      const bySize = Math.max(1, Math.floor(MAX_BATCH_BYTES / Math.max(1, itemBytes)));
      const want = single ? 1 : Math.min(MAX_BATCH, bySize, Math.ceil(q.length / (this.options.slots - busy)));
      const items = this.queue.take(q, want, (item) => item.a <= 1);
      this.queue.served(q);
      const batch: Batch = { job, why: choice.why, items, itemBytes, reported: 0, single, maxBytes: this.maxValueBytes };
      if (single) this.stats.dispatchedAlone(job.task);
      this.hooks.beforeDispatch?.(slot.id, items);
      slot.dispatch(batch);
      if (job.timeoutMs > 0) batch.timer = setTimeout(() => slot.batch === batch && void slot.stop('timeout'), job.timeoutMs);
      return batch;
    }
    return undefined;
  }

  private choose(job: JobHeader): ModeChoice {
    return this.book.choose(job.task, job.isolation, job.sharedInput === true);
  }

  private freeSlot(mode: SlotMode): Slot | undefined {
    for (const slot of this.slots) if (slot.mode === mode && slot.free) return slot;
    return undefined;
  }

  /** Start more slots of `mode` for the queue: at most `slots` of a kind, no more than could be busy now. */
  private grow(mode: SlotMode, busy: number): void {
    if (this.retryTimers[mode]) return; // backing off after failed starts
    let live = 0;
    let starting = 0;
    for (const slot of this.slots) {
      if (slot.mode !== mode || slot.stopReason !== undefined) continue;
      live++;
      if (slot.state === 'starting' || slot.state === 'idle') starting++;
    }
    const wanted = Math.min(this.queue.length, this.options.slots - busy);
    while (live < this.options.slots && starting < wanted) {
      void this.spawn(mode).start();
      live++;
      starting++;
    }
  }

  private spawn(mode: SlotMode): Slot {
    const slot = new Slot(
      `${mode === 'thread' ? 't' : 'p'}${this.nextSlot++}`,
      mode,
      { heapLimitMb: this.heapLimitMb, tasksDirs: this.options.tasksDirs ?? [], bundleDir: this.options.bundleDir },
      this.listener,
    );
    this.slots.push(slot);
    return slot;
  }

  private remove(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  // ---------------------------------------------------------------- slot events

  private onReady(slot: Slot): void {
    this.startRetry[slot.mode].reset();
    this.hooks.onSlotReady?.(slot.id, slot.mode, slot.pid, performance.now() - slot.createdAt);
    this.dispatch();
    this.settle();
  }

  private onResults(slot: Slot, batch: Batch, message: BatchResultsMessage): void {
    const { values, ends, ms, failed } = message;
    const n = ends.length;
    const from = batch.reported;
    batch.reported += n;
    const mode = slot.mode;
    const why = batch.why;
    const items: ResultItem[] = [];
    let f = 0;
    let totalMs = 0;
    for (let i = 0; i < n; i++) {
      const w = batch.items[from + i] as AssignItem;
      const t = ms[i] as number;
      totalMs += t;
      const failure = failed !== undefined && f < failed.length && failed[f]?.[0] === i ? failed[f++]?.[1] : undefined;
      const start = i === 0 ? 0 : (ends[i - 1] as number);
      if (batch.cancelled?.[from + i]) continue;
      // The slot encoded the value; it goes into the frame as those bytes, never decoded here.
      const value = new RawValue(values, start, ends[i]);
      items.push(failure ? { p: w.p, a: w.a, ok: false, error: failure, ms: t, mode, why } : { p: w.p, a: w.a, ok: true, value, ms: t, mode, why });
    }
    this.stats.record(batch.job.jobId, totalMs, n);
    if (items.length > 0) this.options.events.onResults(batch.job.jobId, items);
  }

  private onExit(slot: Slot, info: ExitInfo, stateAtExit: SlotState, crashed: boolean): void {
    this.remove(slot);
    const batch = slot.batch;
    slot.batch = undefined;
    if (batch) clearTimeout(batch.timer);
    const cause = crashed ? 'crash' : (slot.stopReason ?? 'shutdown');
    const unreported = batch ? batch.items.slice(batch.reported) : [];
    const task = batch?.job.task ?? slot.lastTask;
    const escalated = crashed && task !== undefined && this.book.escalate(task, slot.mode);
    const evidence = buildEvidence({
      slotId: slot.id,
      mode: slot.mode,
      cause,
      info,
      slotState: stateAtExit,
      pid: slot.pid,
      threadId: slot.threadId,
      jobId: batch?.job.jobId ?? slot.lastJobId,
      task,
      partitions: unreported.map((w) => w.p),
      heapLimitMb: this.heapLimitMb,
      timeoutMs: batch && unreported.length > 0 ? batch.job.timeoutMs : 0,
      escalated,
      agentMode: this.options.mode,
    });
    this.hooks.onSlotExit?.(evidence);
    if (crashed) this.log.warn('slot crashed', { ...evidence });
    else this.log.debug('slot stopped', { slotId: slot.id, cause });

    if (batch && unreported.length > 0) this.settleUnreported(slot, batch, unreported, cause, evidence);
    if (escalated && task !== undefined) {
      this.log.warn('task escalated to processes', { task, slotId: slot.id });
      this.options.events.onModeChange({ type: 'mode-change', task, mode: 'process', why: 'escalated-after-crash', evidence: exitError(evidence) });
    }
    this.dispatch();
    this.settle();
  }

  /** The partitions a slot took with it: failed (shutdown), blamed (alone, or timed out) or queued again. */
  private settleUnreported(slot: Slot, batch: Batch, unreported: AssignItem[], cause: SlotExitCause, evidence: SlotExitEvidence): void {
    const jobId = batch.job.jobId;
    const live = unreported.filter((_, i) => !batch.cancelled?.[batch.reported + i]);
    const choice: ModeChoice = { mode: slot.mode, why: batch.why };
    if (cause === 'shutdown') {
      const error = wireError(ErrorCode.SHUTTING_DOWN, 'the agent stopped while this partition was in a slot');
      this.options.events.onResults(
        jobId,
        live.map((w) => failedResult(w, error, choice)),
      );
      return;
    }
    // Results come in chunks, so in a batch the partition that was running is not known:
    // blame only a partition that was alone, and send a crashed batch's partitions again
    // one at a time (quarantine). `run` is deterministic, so running them again is safe.
    const running = unreported[0] as AssignItem;
    const blame = (cause === 'timeout' || (cause === 'crash' && unreported.length === 1)) && live[0] === running;
    if (blame) this.options.events.onResults(jobId, [failedResult(running, exitError(evidence), choice)]);
    else if (cause === 'crash') this.stats.quarantine(batch.job.task, live.length);
    this.queue.unshift(batch.job, blame ? live.slice(1) : live, batch.itemBytes);
  }

  /** Fail everything taken off the queue with `error`, one onResults call per job. */
  private failRemoved(removed: Removed[], error: ReturnType<typeof wireError>): void {
    const failed = new ResultsByJob();
    for (const { job, items } of removed) {
      const choice = this.choose(job);
      for (const item of items) failed.add(job.jobId, failedResult(item, error, choice));
    }
    failed.flush((jobId, items) => this.options.events.onResults(jobId, items));
  }

  private onStartFailed(slot: Slot, error: CohortError): void {
    this.remove(slot);
    const mode = slot.mode;
    const retry = this.startRetry[mode];
    const delayMs = retry.next();
    const attempts = retry.attempts;
    this.log.error('slot start failed', { slotId: slot.id, mode, attempts, code: error.code, message: error.message, details: error.details });
    if (this.state !== 'running' && this.state !== 'draining') return;
    if (attempts < MAX_START_ATTEMPTS) {
      this.retryTimers[mode] = setTimeout(() => {
        delete this.retryTimers[mode];
        this.dispatch();
      }, delayMs);
      return;
    }
    // Give up on this kind for the work queued now; the coordinator retries it elsewhere.
    retry.reset();
    if (this.slots.some((s) => s.mode === mode)) return;
    const wire = { ...error.toWire(), details: { ...error.details, attempts } };
    this.failRemoved(
      this.queue.removeWhere((job) => this.choose(job).mode === mode),
      wire,
    );
    this.settle();
  }

  // ---------------------------------------------------------------- idle

  private whenIdle(): Promise<void> {
    this.idle ??= deferred();
    const { promise } = this.idle;
    this.settle();
    return promise;
  }

  /** Wake drain() when nothing is queued or running. */
  private settle(): void {
    if (!this.idle) return;
    if (this.state !== 'stopped' && (this.queue.length > 0 || this.slots.some((s) => s.batch !== undefined))) return;
    this.idle.resolve();
    this.idle = undefined;
  }
}
