/**
 * A scripted malicious agent that speaks the real protocol over a real
 * WebSocket: it joins with a valid credential, keeps its heartbeats going so
 * that it is never declared dead, and then lies. For the `rogue-agent` drill,
 * the hostile tests and the chaos test.
 *
 * Behaviours (combine them):
 * - `hoard`: take every assignment and never answer it;
 * - `forgeAssigned`: answer what it was assigned, with a wrong value;
 * - `forgeOthers`: answer partitions of watched jobs it never held, attempt 1
 *   and up, with a wrong value (never an attempt it was issued: an agent that
 *   lies about its own work is outside what the protocol can detect; see the
 *   README's trust model);
 * - `drainFirst`: say `draining` in the same breath as `hello` (so it is
 *   given no work) and then forge anyway.
 */
import type { ClientRequestArgs } from 'node:http';
import { WebSocket } from 'ws';
import {
  AGENT_PATH,
  PROTOCOL_VERSION,
  decodeCoordinatorMessage,
  encode,
  normalizeTlsOptions,
  parseCoordinatorUrl,
  type AgentMessage,
  type CoordinatorMessage,
  type ResultItem,
  type TlsClientOptions,
} from '@cohort/shared';
import { deferred, tlsConnector } from '@cohort/shared/internal';

export interface RogueOptions {
  url: string;
  token: string | undefined;
  /** How a wss:// coordinator is verified (as a real agent's --tls-* flags; default the system's CAs). */
  tls?: TlsClientOptions | undefined;
  name?: string;
  slots?: number;
  maxPrefetch?: number;
  hoard?: boolean;
  forgeAssigned?: boolean;
  /** Jobs whose partitions [0, partitions) it answers without being asked. */
  forgeOthers?: { jobId: string; partitions: number; attempts?: number };
  drainFirst?: boolean;
  /** The wrong value it answers with. */
  forgedValue?: unknown;
  heartbeatMs?: number;
  /** How long after `welcome` it forges (`forgeOthers`), default 300 ms. */
  forgeDelayMs?: number;
}

export interface RogueAgent {
  /** Resolves at `welcome`; rejects if refused. */
  readonly joined: Promise<void>;
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly assigned: number;
  readonly forged: number;
  send(message: AgentMessage | Record<string, unknown>): void;
  /** Forge results for `forgeOthers` now (also done once at join). */
  forgeNow(): void;
  stop(): void;
}

const HARDWARE = { cpus: 1, cpuModel: 'rogue', memoryBytes: 1, platform: 'linux', arch: 'x64', node: 'v20', hostname: 'rogue' };

function forgedItem(p: number, a: number, value: unknown): ResultItem {
  return { p, a, ok: true, value, ms: 1, mode: 'thread', why: 'agent-threads' };
}

class Rogue implements RogueAgent {
  readonly joined: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  assigned = 0;
  forged = 0;
  private readonly ws: WebSocket;
  private readonly issued = new Set<string>();
  private seq = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private forgeTimer: NodeJS.Timeout | undefined;
  private readonly join = deferred();

  constructor(private readonly o: RogueOptions) {
    // Parsed, not matched as text: WSS:// is wss:// too, and must be verified (the pin, or the CAs) like it.
    const { secure, wsUrl } = parseCoordinatorUrl(o.url);
    this.ws = new WebSocket(`${wsUrl}${AGENT_PATH}`, {
      headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
      perMessageDeflate: false,
      ...(secure && { createConnection: tlsConnector(normalizeTlsOptions(o.tls) ?? {}) as unknown as ClientRequestArgs['createConnection'] }),
    });
    this.joined = this.join.promise;
    this.joined.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.stopTimers();
        this.join.reject(new Error(`rogue closed before welcome: ${code}`));
        resolve({ code, reason: reason.toString() });
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('unexpected-response', (_req, res) => {
      this.join.reject(new Error(`rogue refused: HTTP ${res.statusCode}`));
      this.ws.terminate();
    });
    this.ws.on('open', () => {
      this.send({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agentVersion: 'rogue',
        name: o.name ?? 'rogue',
        slots: o.slots ?? 1,
        mode: 'threads',
        modes: ['thread'],
        maxPrefetch: o.maxPrefetch ?? 0,
        hardware: HARDWARE,
      });
      if (o.drainFirst) this.send({ type: 'draining' });
    });
    this.ws.on('message', (data: Buffer) => {
      try {
        this.onMessage(decodeCoordinatorMessage(data));
      } catch {
        // A rogue does not care.
      }
    });
  }

  send(message: AgentMessage | Record<string, unknown>): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encode(message));
  }

  forgeNow(): void {
    const f = this.o.forgeOthers;
    if (!f) return;
    const value = this.o.forgedValue ?? -1;
    const items: ResultItem[] = [];
    for (let a = 1; a <= (f.attempts ?? 1); a++) {
      for (let p = 0; p < f.partitions; p++) if (!this.issued.has(`${f.jobId}:${p}:${a}`)) items.push(forgedItem(p, a, value));
    }
    this.forged += items.length;
    this.send({ type: 'results', jobId: f.jobId, items });
  }

  stop(): void {
    this.stopTimers();
    this.ws.terminate();
  }

  private onMessage(msg: CoordinatorMessage): void {
    if (msg.type === 'welcome') {
      this.heartbeat = setInterval(
        () => this.send({ type: 'heartbeat', seq: ++this.seq, sentAt: Date.now() }),
        this.o.heartbeatMs ?? Math.max(50, msg.heartbeatMs / 2),
      );
      // Wait for any assign already in flight, so that it forges only what it was never issued.
      this.forgeTimer = setTimeout(() => this.forgeNow(), this.o.forgeDelayMs ?? 300);
      this.join.resolve();
    } else if (msg.type === 'assign') {
      this.assigned += msg.items.length;
      for (const it of msg.items) this.issued.add(`${msg.jobId}:${it.p}:${it.a}`);
      if (this.o.forgeAssigned && !this.o.hoard) {
        this.forged += msg.items.length;
        this.send({ type: 'results', jobId: msg.jobId, items: msg.items.map((it) => forgedItem(it.p, it.a, this.o.forgedValue ?? -1)) });
      }
    }
  }

  private stopTimers(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.forgeTimer);
  }
}

export function startRogueAgent(o: RogueOptions): RogueAgent {
  return new Rogue(o);
}
