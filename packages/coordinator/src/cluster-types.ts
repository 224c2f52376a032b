/**
 * What the cluster core is configured with, and the events it announces to
 * watchers. The effects it returns are in effects.ts.
 */
import type { ClusterEvent } from '@cohort/shared';
import type { SpeculationConfig } from './deadlines.js';
import type { SchedulingMode } from './fair-share.js';

export interface ClusterConfig {
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  speculation: SpeculationConfig;
  /** The most partitions one session may hold, whatever it declared. */
  maxAgentCredit?: number;
  /** Past `timeoutMs` plus this, the coordinator reclaims a partition itself. */
  timeoutGraceMs?: number;
  /** How running jobs share the agents: 'fair' (weighted by priority, the default) or 'fifo'. */
  scheduling?: SchedulingMode;
  /** This start of the coordinator, told to agents in `welcome`. */
  coordinatorId?: string;
}

export type { ClusterEvent };

export const DEFAULT_MAX_AGENT_CREDIT = 4096;
export const DEFAULT_TIMEOUT_GRACE_MS = 2000;
