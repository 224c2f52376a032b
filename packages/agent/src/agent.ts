/**
 * `startAgent()`: connect to a coordinator, declare this machine, run the
 * partitions it is given on a slot pool, and keep the link alive. The main
 * thread does only I/O and bookkeeping (it never runs task code), so its
 * heartbeats keep their rhythm however busy the slots are.
 *
 * Link lifecycle (one state, every move logged):
 *   connecting → handshaking → ready → (closed) → waiting → connecting …
 *   ready → draining → stopped;  any → stopped;  a fatal refusal (wrong token,
 *   protocol mismatch) stops the agent with that error.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import {
  CohortError,
  CloseCode,
  ErrorCode,
  PROTOCOL_VERSION,
  VERSION,
  assertNever,
  decodeCoordinatorMessage,
  encode,
  toWireError,
  type AgentMessage,
  type CoordinatorMessage,
  type Logger,
  type SlotMode,
} from '@cohort/shared';
import { Backoff } from '@cohort/shared/internal';
import { LoadSampler, hardware } from './load.js';
import { compileOptions, type AgentOptions, type CompiledAgentOptions } from './options.js';
import { Outbox } from './outbox.js';
import { SlotPool } from './slots/index.js';

export type LinkState = 'connecting' | 'handshaking' | 'ready' | 'waiting' | 'draining' | 'stopped';

/** Send load with every Nth heartbeat. */
export const LOAD_EVERY_HEARTBEATS = 4;
/** The most to wait for the socket to flush before closing after a drain. */
export const FLUSH_TIMEOUT_MS = 2000;

/** Named points where a test can inject a fault (STYLE #12). Defaults do nothing. */
export interface AgentHooks {
  /** Return false to drop this heartbeat. */
  beforeHeartbeat?(seq: number): boolean;
}

export interface Agent {
  readonly name: string;
  readonly options: CompiledAgentOptions;
  readonly state: LinkState;
  readonly sessionId: string | undefined;
  /** Resolves at the first `welcome`; rejects if the agent stops before one. */
  readonly ready: Promise<void>;
  /** Resolves when the agent has stopped; rejects with the fatal error that stopped it. */
  readonly closed: Promise<void>;
  /** Stop taking work, finish what is running (bounded by drainGraceMs), report it, then stop. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const MODES_OF: Record<CompiledAgentOptions['mode'], SlotMode[]> = {
  threads: ['thread'],
  processes: ['process'],
  auto: ['thread', 'process'],
};

function touchHealthFile(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    try {
      writeFileSync(path, '');
    } catch {
      // Health reporting is advisory.
    }
  }
}

export async function startAgent(userOptions: AgentOptions, hooks: AgentHooks = {}): Promise<Agent> {
  const options = compileOptions(userOptions);
  const log: Logger = options.logger.child({ agent: options.name });
  const backoff = new Backoff({ initialMs: options.reconnectInitialMs, maxMs: options.reconnectMaxMs });
  const load = new LoadSampler();

  let state: LinkState = 'connecting';
  let ws: WebSocket | undefined;
  let sessionId: string | undefined;
  let previousSessionId: string | undefined;
  let coordinatorId: string | undefined;
  let heartbeatMs = 500;
  let heartbeatTimeoutMs = 2000;
  let lastHeard = Date.now();
  let heartbeatSeq = 0;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;

  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  ready.catch(() => {});
  let resolveClosed!: () => void;
  let rejectClosed!: (err: Error) => void;
  const closed = new Promise<void>((res, rej) => ((resolveClosed = res), (rejectClosed = rej)));

  const setState = (next: LinkState, fields: Record<string, unknown> = {}) => {
    if (next === state) return;
    log.debug('link state', { from: state, to: next, ...fields });
    state = next;
  };

  const linkUp = (): boolean => ws !== undefined && ws.readyState === WebSocket.OPEN && (state === 'ready' || state === 'draining');
  const sendFrame = (frame: Buffer): boolean => {
    if (!linkUp()) return false;
    (ws as WebSocket).send(frame);
    return true;
  };
  // The main thread never dies of a message: one that cannot be encoded is logged and dropped.
  const send = (message: AgentMessage): boolean => {
    if (!linkUp()) return false;
    let frame: Buffer;
    try {
      frame = encode(message);
    } catch (err) {
      const wire = toWireError(err);
      log.error('message not sent: it cannot be encoded', { type: message.type, code: wire.code, message: wire.message });
      return true;
    }
    return sendFrame(frame);
  };

  const outbox = new Outbox(send, options.maxHeldResults, sendFrame);
  const pool = new SlotPool({
    slots: options.slots,
    mode: options.mode,
    heapLimitMb: options.heapLimitMb,
    tasksDirs: options.tasksDirs,
    logger: log.child({ component: 'slots' }),
    events: {
      onResults: (jobId, items) => outbox.addResults(jobId, items),
      onStarted: (jobId, items) => outbox.addStarted(jobId, items),
      onModeChange: (change) => {
        log.warn('task escalated to processes', { task: change.task, why: change.why, evidence: change.evidence?.code });
        send(change);
      },
    },
  });
  await pool.start();
  load.start(options.loadSampleMs);

  const heartbeat = () => {
    if (state !== 'ready' && state !== 'draining') return;
    const now = Date.now();
    if (now - lastHeard > heartbeatTimeoutMs) {
      log.warn('coordinator silent; reconnecting', { silentMs: now - lastHeard, sessionId });
      ws?.terminate();
      return;
    }
    const seq = ++heartbeatSeq;
    if (hooks.beforeHeartbeat && hooks.beforeHeartbeat(seq) === false) return;
    const msg: AgentMessage = { type: 'heartbeat', seq, sentAt: now };
    if (seq % LOAD_EVERY_HEARTBEATS === 1) msg.load = load.current(pool.queued, pool.busySlots);
    if (send(msg) && options.healthFile) touchHealthFile(options.healthFile);
  };

  const fatal = (err: CohortError) => {
    log.error('agent stopped', { code: err.code, message: err.message });
    rejectReady(err);
    void shutdown(err);
  };

  const onMessage = (msg: CoordinatorMessage, frameBytes: number) => {
    lastHeard = Date.now();
    switch (msg.type) {
      case 'welcome':
        if (coordinatorId !== undefined && msg.coordinatorId !== coordinatorId) {
          // A restarted coordinator issued none of what we hold: it would refuse those results.
          const dropped = outbox.clear();
          pool.cancelAll();
          log.warn('coordinator restarted; dropped results and work issued by its previous start', { droppedResults: dropped });
        }
        coordinatorId = msg.coordinatorId;
        sessionId = msg.sessionId;
        previousSessionId = msg.sessionId;
        heartbeatMs = msg.heartbeatMs;
        heartbeatTimeoutMs = msg.heartbeatTimeoutMs;
        if (msg.maxPayloadBytes !== undefined) {
          outbox.maxFrameBytes = msg.maxPayloadBytes;
          pool.setMaxFrameBytes(msg.maxPayloadBytes);
        }
        backoff.reset();
        setState('ready', { sessionId });
        log.info('agent joined', { sessionId, slots: options.slots, mode: options.mode, heldResults: outbox.pending });
        clearInterval(heartbeatTimer);
        heartbeatTimer = setInterval(heartbeat, heartbeatMs);
        outbox.flush();
        resolveReady();
        return;
      case 'assign': {
        const { jobId, task, isolation, timeoutMs } = msg;
        const bytes = Math.ceil(frameBytes / Math.max(1, msg.items.length));
        pool.submit(msg.items.map((it) => ({ jobId, task, isolation, p: it.p, a: it.a, input: it.input, timeoutMs, bytes })));
        return;
      }
      case 'cancel':
        pool.cancel(msg.jobId, msg.items);
        return;
      case 'heartbeat':
        return;
      default:
        assertNever(msg, 'coordinator message');
    }
  };

  const connect = () => {
    if (state === 'stopped') return;
    setState('connecting');
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const socket = new WebSocket(options.url, { headers, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024, handshakeTimeout: 10_000 });
    ws = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('open', () => {
      setState('handshaking');
      lastHeard = Date.now();
      socket.send(
        encode({
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          agentVersion: VERSION,
          name: options.name,
          slots: options.slots,
          mode: options.mode,
          modes: MODES_OF[options.mode],
          maxPrefetch: options.maxPrefetch,
          hardware: hardware(),
          ...(previousSessionId ? { previousSessionId } : {}),
        } satisfies AgentMessage),
      );
    });
    socket.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401) return fatal(new CohortError(ErrorCode.AUTH_FAILED, `coordinator at ${options.connect} refused the token (HTTP 401)`));
      log.warn('upgrade refused', { status: res.statusCode });
      socket.terminate();
    });
    socket.on('message', (data: Buffer) => {
      if (socket !== ws) return;
      try {
        onMessage(decodeCoordinatorMessage(data), data.length);
      } catch (err) {
        const wire = toWireError(err, ErrorCode.BAD_FRAME);
        log.error('bad frame from coordinator', { code: wire.code, message: wire.message });
        socket.close(CloseCode[wire.code] ?? 4000, wire.code);
      }
    });
    socket.on('close', (code: number, reasonBuf: Buffer) => {
      if (socket !== ws) return;
      const reason = reasonBuf.toString('utf8');
      clearInterval(heartbeatTimer);
      outbox.resetStarted();
      if (state === 'stopped') return;
      const wasState = state;
      sessionId = undefined;
      if (code === CloseCode.PROTOCOL_VERSION) return fatal(new CohortError(ErrorCode.PROTOCOL_VERSION, reason || 'protocol version refused'));
      if (code === CloseCode.AUTH_FAILED) return fatal(new CohortError(ErrorCode.AUTH_FAILED, reason || 'token refused'));
      if (wasState === 'draining') return void shutdown();
      const delay = code === CloseCode.DECLARED_DEAD ? 0 : backoff.next();
      const fields = { code, reason, delayMs: delay, heldResults: outbox.pending };
      if (code === CloseCode.DECLARED_DEAD) log.warn('declared dead by the coordinator; re-joining as a new session', fields);
      else log.info('link closed; reconnecting', fields);
      setState('waiting');
      reconnectTimer = setTimeout(connect, delay);
    });
    socket.on('error', (err) => {
      log.debug('socket error', { message: err.message, code: (err as { code?: string }).code });
    });
  };

  let stopping: Promise<void> | undefined;
  const shutdown = (error?: CohortError) => {
    stopping ??= (async () => {
      setState('stopped');
      clearInterval(heartbeatTimer);
      clearTimeout(reconnectTimer);
      load.stop();
      await pool.stop();
      ws?.terminate();
      log.info('agent stopped', { droppedResults: outbox.dropped });
      if (error) rejectClosed(error);
      else resolveClosed();
    })();
    return stopping;
  };

  const waitForFlush = async () => {
    const deadline = Date.now() + FLUSH_TIMEOUT_MS;
    while (ws && ws.readyState === WebSocket.OPEN && (outbox.pending > 0 || ws.bufferedAmount > 0) && Date.now() < deadline) {
      outbox.flush();
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  connect();

  return {
    name: options.name,
    options,
    get state() {
      return state;
    },
    get sessionId() {
      return sessionId;
    },
    ready,
    closed,
    async drain() {
      if (state === 'stopped') return;
      const wasReady = state === 'ready';
      setState('draining');
      if (wasReady) send({ type: 'draining' });
      log.info('draining', { queued: pool.queued, busySlots: pool.busySlots, graceMs: options.drainGraceMs });
      await pool.drain(options.drainGraceMs);
      await waitForFlush();
      ws?.close(1000, 'drained');
      await shutdown();
    },
    stop: () => shutdown(),
  };
}
