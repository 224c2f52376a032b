/**
 * `startAgent()`: connect to a coordinator, declare this machine, run the
 * partitions it is given on a slot pool, and keep the link alive. The main
 * thread does only I/O and bookkeeping (it never runs task code), so its
 * heartbeats keep their rhythm however busy the slots are.
 *
 * The pieces: `Link` (link.ts) owns the socket, the handshake, the heartbeat
 * and reconnects, with its state as a table (link-machine.ts); `AgentRuntime`
 * (agent-runtime.ts) wires pool ⇄ outbox ⇄ link, and drains.
 */
import { AgentRuntime } from './agent-runtime.js';
import type { LinkHooks } from './link.js';
import type { LinkState } from './link-machine.js';
import { compileOptions, type AgentOptions, type CompiledAgentOptions } from './options.js';

export type { LinkState } from './link-machine.js';

/** Named points where a test can inject a fault (STYLE #12). Defaults do nothing. */
export type AgentHooks = LinkHooks;

export interface Agent {
  readonly name: string;
  readonly options: CompiledAgentOptions;
  readonly state: LinkState;
  readonly sessionId: string | undefined;
  /** The port of GET /metrics when `metricsPort` was set (0 is read back here); else undefined. */
  readonly metricsPort: number | undefined;
  /** Resolves at the first `welcome`; rejects if the agent is refused for good before one. */
  readonly ready: Promise<void>;
  /** Resolves when the agent has stopped; rejects with the fatal error that stopped it. */
  readonly closed: Promise<void>;
  /** Stop taking work, finish what is running (bounded by drainGraceMs), report it, then stop. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAgent(userOptions: AgentOptions, hooks: AgentHooks = {}): Promise<Agent> {
  const agent = new AgentRuntime(compileOptions(userOptions), hooks);
  await agent.start();
  return agent;
}
