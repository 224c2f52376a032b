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
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION, decodeCoordinatorMessage, encode, type AgentMessage, type CoordinatorMessage, type ResultItem } from '@cohort/shared';

export interface RogueOptions {
  url: string;
  token: string | undefined;
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

export function startRogueAgent(o: RogueOptions): RogueAgent {
  const ws = new WebSocket(`${o.url.replace(/\/$/, '')}/agent`, { headers: o.token ? { authorization: `Bearer ${o.token}` } : {}, perMessageDeflate: false });
  const value = o.forgedValue ?? -1;
  let assigned = 0;
  let forged = 0;
  const issued = new Set<string>();
  let seq = 0;
  let heartbeat: NodeJS.Timeout | undefined;
  let forgeTimer: NodeJS.Timeout | undefined;
  const send = (message: unknown) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(encode(message));
  };
  const forgeNow = () => {
    const f = o.forgeOthers;
    if (!f) return;
    const items: ResultItem[] = [];
    for (let a = 1; a <= (f.attempts ?? 1); a++) {
      for (let p = 0; p < f.partitions; p++) if (!issued.has(`${f.jobId}:${p}:${a}`)) items.push(forgedItem(p, a, value));
    }
    forged += items.length;
    send({ type: 'results', jobId: f.jobId, items });
  };
  const onMessage = (msg: CoordinatorMessage) => {
    if (msg.type === 'welcome') {
      heartbeat = setInterval(() => send({ type: 'heartbeat', seq: ++seq, sentAt: Date.now() }), o.heartbeatMs ?? Math.max(50, msg.heartbeatMs / 2));
      // Wait for any assign already in flight, so that it forges only what it was never issued.
      forgeTimer = setTimeout(forgeNow, o.forgeDelayMs ?? 300);
      resolveJoined();
    } else if (msg.type === 'assign') {
      assigned += msg.items.length;
      for (const it of msg.items) issued.add(`${msg.jobId}:${it.p}:${it.a}`);
      if (o.forgeAssigned && !o.hoard) {
        forged += msg.items.length;
        send({ type: 'results', jobId: msg.jobId, items: msg.items.map((it) => forgedItem(it.p, it.a, value)) });
      }
    }
  };
  let resolveJoined!: () => void;
  let rejectJoined!: (err: Error) => void;
  const joined = new Promise<void>((resolve, reject) => ((resolveJoined = resolve), (rejectJoined = reject)));
  joined.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      clearInterval(heartbeat);
      clearTimeout(forgeTimer);
      rejectJoined(new Error(`rogue closed before welcome: ${code}`));
      resolve({ code, reason: reason.toString() });
    });
  });
  ws.on('error', () => {});
  ws.on('unexpected-response', (_req, res) => {
    rejectJoined(new Error(`rogue refused: HTTP ${res.statusCode}`));
    ws.terminate();
  });
  ws.on('open', () => {
    send({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'rogue', name: o.name ?? 'rogue', slots: o.slots ?? 1, mode: 'threads', modes: ['thread'], maxPrefetch: o.maxPrefetch ?? 0, hardware: HARDWARE });
    if (o.drainFirst) send({ type: 'draining' });
  });
  ws.on('message', (data: Buffer) => {
    try {
      onMessage(decodeCoordinatorMessage(data));
    } catch {
      // A rogue does not care.
    }
  });
  return {
    joined,
    closed,
    get assigned() {
      return assigned;
    },
    get forged() {
      return forged;
    },
    send,
    forgeNow,
    stop() {
      clearInterval(heartbeat);
      clearTimeout(forgeTimer);
      ws.terminate();
    },
  };
}
