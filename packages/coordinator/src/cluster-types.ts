/**
 * What the cluster core takes and gives: its configuration, the effects it
 * asks the executor (coordinator.ts) to carry out, and the events it
 * announces to watchers.
 */
import type { ClusterEvent, CoordinatorMessage, ErrorCode } from '@cohort/shared';
import type { AgentSession } from './agent-session.js';
import type { SpeculationConfig } from './deadlines.js';
import type { Job, Partition } from './job.js';

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

export type { ClusterEvent };

export const DEFAULT_MAX_AGENT_CREDIT = 4096;
export const DEFAULT_TIMEOUT_GRACE_MS = 2000;

export interface ClusterEffects {
  send(session: AgentSession, message: CoordinatorMessage): void;
  close(session: AgentSession, code: ErrorCode, message: string): void;
  /** Every partition succeeded: merge the results, off the socket path, then call `mergeDone`. */
  complete(job: Job): void;
  /** The job reached a final state. */
  finished(job: Job): void;
  /** A result was accepted (from attempt `attempt`); the journal records it before the job can complete. */
  accepted(job: Job, partition: Partition, attempt: number): void;
  /** Counts changed; the server throttles what it sends to watchers. */
  progress(job: Job): void;
  /** Something a watcher or a drill wants to see: an agent joined, was lost, a copy was issued. */
  notify(event: ClusterEvent): void;
}
