/**
 * The agent's link to its coordinator: the WebSocket, the hello/welcome
 * handshake, the heartbeat and silence detection, reconnect with backoff,
 * and the link state table (link-machine.ts). It decodes what arrives and
 * hands work to its owner through `LinkOwner`; it never touches the pool.
 *
 * Model: nats.js core/src/protocol.ts, whose ProtocolHandler owns the
 * transport and composes a small Heartbeat (core/src/heartbeats.ts).
 */
import { WebSocket } from 'ws';
import {
  type BundlePartMessage,
  type BundleRefusedMessage,
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
  type AssignMessage,
  type CancelMessage,
  type CoordinatorMessage,
  type Load,
  type Logger,
  type ReleaseMessage,
  type SharedPartMessage,
  type SharedRefusedMessage,
  type SlotMode,
  type WelcomeMessage,
} from '@cohort/shared';
import { Backoff } from '@cohort/shared/internal';
import { Heartbeat, type Clock } from './heartbeat.js';
import { linkCarries, linkTransition, type LinkEvent, type LinkState } from './link-machine.js';
import { fatalClose, fatalSocketError, linkSocketOptions, upgradeRefusal } from './link-tls.js';
import { hardware } from './load.js';
import { LOAD_EVERY_HEARTBEATS, type CompiledAgentOptions } from './options.js';

/** What the link tells its owner (the agent). */
export interface LinkOwner {
  /** A welcome arrived and frames may go out; `restarted` when it comes from a new start of the coordinator. */
  joined(welcome: WelcomeMessage, restarted: boolean): void;
  /** Work from the coordinator; `frameBytes` is the size of the frame it came in. */
  work(message: AssignMessage | CancelMessage, frameBytes: number): void;
  /** A part of a bundle this agent asked for, or the coordinator's refusal to serve it. */
  bundle(message: BundlePartMessage | BundleRefusedMessage): void;
  /** A part of a shared value this agent asked for, the coordinator's refusal to serve it, or the end of a job (`release`). */
  shared(message: SharedPartMessage | SharedRefusedMessage | ReleaseMessage): void;
  /** The load to report with a heartbeat. */
  currentLoad(): Load;
  /** A heartbeat went out. */
  beatSent(): void;
  /** The socket closed; the link may come back as a new session. */
  disconnected(): void;
  /** Results held for the next session (for the log). */
  heldResults(): number;
  /** The link is over: drained, or refused for good (`error`). */
  ended(error?: CohortError): void;
}

/** Named points where a test can inject a fault (STYLE #12). Defaults do nothing. */
export interface LinkHooks {
  /** Return false to drop this heartbeat. */
  beforeHeartbeat?(seq: number): boolean;
}

export type LinkOptions = Pick<
  CompiledAgentOptions,
  | 'connect'
  | 'url'
  | 'tls'
  | 'token'
  | 'name'
  | 'slots'
  | 'mode'
  | 'maxPrefetch'
  | 'reconnectInitialMs'
  | 'reconnectMaxMs'
  | 'maxPayloadBytes'
  | 'handshakeTimeoutMs'
  | 'tlsConnectTimeoutMs'
>;

const MODES_OF: Record<CompiledAgentOptions['mode'], SlotMode[]> = {
  threads: ['thread'],
  processes: ['process'],
  auto: ['thread', 'process'],
};

export class Link {
  private current: LinkState = 'connecting';
  private ws: WebSocket | undefined;
  private session: string | undefined;
  private previousSessionId: string | undefined;
  private coordinatorId: string | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly heartbeat: Heartbeat;

  constructor(
    private readonly options: LinkOptions,
    private readonly owner: LinkOwner,
    private readonly log: Logger,
    private readonly hooks: LinkHooks = {},
    clock?: Clock,
  ) {
    this.backoff = new Backoff({ initialMs: options.reconnectInitialMs, maxMs: options.reconnectMaxMs });
    this.heartbeat = new Heartbeat({ beat: (seq, now) => this.beat(seq, now), stale: (silentMs) => this.stale(silentMs) }, clock);
  }

  get state(): LinkState {
    return this.current;
  }
  get sessionId(): string | undefined {
    return this.session;
  }
  /** The socket is open (whatever the link state). */
  get open(): boolean {
    return this.ws !== undefined && this.ws.readyState === WebSocket.OPEN;
  }
  /** Bytes queued on the socket, not yet written. */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** Open the first connection. */
  start(): void {
    this.connect();
  }

  /** Send one encoded frame; false when the link cannot carry it now. */
  sendFrame(frame: Buffer): boolean {
    if (!this.open || !linkCarries(this.current)) return false;
    (this.ws as WebSocket).send(frame);
    return true;
  }

  /**
   * Run `fn`, holding the frames it sends in the socket until it returns, so
   * that they leave in one write: a `started` and a `results` frame of the
   * same turn cost one syscall and wake the coordinator once, not twice.
   */
  corked<T>(fn: () => T): T {
    // ws keeps its net.Socket in `_socket` (no public way to batch frames); without it, no batching.
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } } | undefined)?._socket;
    socket?.cork();
    try {
      return fn();
    } finally {
      socket?.uncork();
    }
  }

  /** Send a message. The main thread never dies of one: a message that cannot be encoded is logged and dropped. */
  send(message: AgentMessage): boolean {
    if (!this.open || !linkCarries(this.current)) return false;
    let frame: Buffer;
    try {
      frame = encode(message);
    } catch (err) {
      const wire = toWireError(err);
      this.log.error('message not sent: it cannot be encoded', { type: message.type, code: wire.code, message: wire.message });
      return true;
    }
    return this.sendFrame(frame);
  }

  /** Enter draining; a ready link tells the coordinator. False when already draining or stopped. */
  drain(): boolean {
    if (this.current === 'stopped' || this.current === 'draining') return false;
    const wasReady = this.current === 'ready';
    this.move('drain');
    if (wasReady) this.send({ type: 'draining' });
    return true;
  }

  /** Close the socket politely (after a drain). */
  close(code: number, reason: string): void {
    this.ws?.close(code, reason);
  }

  /** Stop: no more beats, no reconnect. The socket stays until `terminate()`. Idempotent. */
  stop(): void {
    if (this.current !== 'stopped') this.move('stop');
    this.heartbeat.cancel();
    clearTimeout(this.reconnectTimer);
  }

  terminate(): void {
    this.ws?.terminate();
  }

  private move(event: LinkEvent, fields: Record<string, unknown> = {}): void {
    const from = this.current;
    const to = linkTransition(from, event);
    if (to !== from) this.log.debug('link state', { from, to, event, ...fields });
    this.current = to;
  }

  private connect(): void {
    if (this.current === 'stopped') return;
    if (this.current !== 'connecting') this.move('retry');
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const socket = new WebSocket(this.options.url, {
      headers,
      perMessageDeflate: false,
      maxPayload: this.options.maxPayloadBytes,
      handshakeTimeout: this.options.handshakeTimeoutMs,
      ...linkSocketOptions(this.options),
    });
    this.ws = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('open', () => this.onOpen(socket));
    socket.on('unexpected-response', (_req, res) => {
      void upgradeRefusal(res, this.options.connect).then((fatal) => {
        if (fatal) return this.fail(fatal);
        this.log.warn('upgrade refused', { status: res.statusCode });
        socket.terminate();
      });
    });
    socket.on('message', (data: Buffer) => this.onFrame(socket, data));
    socket.on('close', (code: number, reason: Buffer) => this.onClose(socket, code, reason.toString('utf8')));
    socket.on('error', (err) => {
      const fatal = fatalSocketError(err, this.options.connect);
      if (fatal && socket === this.ws) return this.fail(fatal);
      this.log.debug('socket error', { message: err.message, code: (err as { code?: string }).code });
    });
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.ws || this.current === 'stopped') return;
    this.move('open');
    const o = this.options;
    const hello: AgentMessage = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agentVersion: VERSION,
      name: o.name,
      slots: o.slots,
      mode: o.mode,
      modes: MODES_OF[o.mode],
      maxPrefetch: o.maxPrefetch,
      hardware: hardware(),
      ...(this.previousSessionId ? { previousSessionId: this.previousSessionId } : {}),
    };
    socket.send(encode(hello));
  }

  private onFrame(socket: WebSocket, data: Buffer): void {
    if (socket !== this.ws) return;
    try {
      this.onMessage(decodeCoordinatorMessage(data), data.length);
    } catch (err) {
      const wire = toWireError(err, ErrorCode.BAD_FRAME);
      this.log.error('bad frame from coordinator', { code: wire.code, message: wire.message });
      socket.close(CloseCode[wire.code] ?? 4000, wire.code);
    }
  }

  private onMessage(msg: CoordinatorMessage, frameBytes: number): void {
    this.heartbeat.received();
    switch (msg.type) {
      case 'welcome':
        return this.onWelcome(msg);
      case 'assign':
      case 'cancel':
        return this.owner.work(msg, frameBytes);
      case 'bundle-part':
      case 'bundle-refused':
        return this.owner.bundle(msg);
      case 'shared-part':
      case 'shared-refused':
      case 'release':
        return this.owner.shared(msg);
      case 'heartbeat':
        return;
      default:
        assertNever(msg, 'coordinator message');
    }
  }

  private onWelcome(msg: WelcomeMessage): void {
    // A restarted coordinator issued none of what we hold: it would refuse those results.
    const restarted = this.coordinatorId !== undefined && msg.coordinatorId !== this.coordinatorId;
    // The move first: a welcome the table refuses (after stop, say) changes nothing.
    this.move('welcome', { sessionId: msg.sessionId });
    this.coordinatorId = msg.coordinatorId;
    this.session = msg.sessionId;
    this.previousSessionId = msg.sessionId;
    this.backoff.reset();
    this.heartbeat.start(msg.heartbeatMs, msg.heartbeatTimeoutMs);
    this.owner.joined(msg, restarted);
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.ws) return;
    this.heartbeat.cancel();
    this.owner.disconnected();
    if (this.current === 'stopped') return;
    this.session = undefined;
    if (code === CloseCode.PROTOCOL_VERSION) return this.fail(new CohortError(ErrorCode.PROTOCOL_VERSION, reason || 'protocol version refused'));
    if (code === CloseCode.AUTH_FAILED) return this.fail(new CohortError(ErrorCode.AUTH_FAILED, reason || 'token refused'));
    const fatal = fatalClose(code, reason, this.options.connect);
    if (fatal) return this.fail(fatal);
    if (this.current === 'draining') {
      this.move('closed', { code });
      return this.owner.ended();
    }
    const delay = code === CloseCode.DECLARED_DEAD ? 0 : this.backoff.next();
    const fields = { code, reason, delayMs: delay, heldResults: this.owner.heldResults() };
    if (code === CloseCode.DECLARED_DEAD) this.log.warn('declared dead by the coordinator; re-joining as a new session', fields);
    else this.log.info('link closed; reconnecting', fields);
    this.move('closed', { code });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** Refused for good: stop, and tell the owner why. */
  private fail(err: CohortError): void {
    this.stop();
    this.owner.ended(err);
  }

  private beat(seq: number, now: number): void {
    if (this.hooks.beforeHeartbeat && this.hooks.beforeHeartbeat(seq) === false) return;
    const msg: AgentMessage = { type: 'heartbeat', seq, sentAt: now };
    if (seq % LOAD_EVERY_HEARTBEATS === 1) msg.load = this.owner.currentLoad();
    if (this.send(msg)) this.owner.beatSent();
  }

  private stale(silentMs: number): void {
    this.log.warn('coordinator silent; reconnecting', { silentMs, sessionId: this.session });
    this.ws?.terminate();
  }
}
