/**
 * What the cluster core is configured with, and the events it announces to
 * watchers. The effects it returns are in effects.ts.
 */
import type { SpeculationConfig } from './deadlines.js';

export interface ClusterConfig {
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  speculation: SpeculationConfig;
  /** The most partitions one session may hold, whatever it declared. */
  maxAgentCredit?: number;
  /** Past `timeoutMs` plus this, the coordinator reclaims a partition itself. */
  timeoutGraceMs?: number;
  /** This start of the coordinator, told to agents in `welcome`. */
  coordinatorId?: string;
}

export const DEFAULT_MAX_AGENT_CREDIT = 4096;
export const DEFAULT_TIMEOUT_GRACE_MS = 2000;

export type ClusterEvent =
  | { kind: 'agent-joined'; at: number; agentId: string; agent: string; slots: number; mode: string }
  | { kind: 'agent-suspect'; at: number; agentId: string; agent: string; silentMs: number }
  | { kind: 'agent-lost'; at: number; agentId: string; agent: string; reason: 'closed' | 'timeout' | 'left'; silentMs: number; requeued: number }
  | { kind: 'speculative-copy'; at: number; jobId: string; partition: number; agent: string; runningMs: number }
  | { kind: 'mode-escalated'; at: number; agentId: string; agent: string; task: string; mode: string; evidence?: string };
