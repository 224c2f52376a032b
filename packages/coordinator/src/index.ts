export { startCoordinator, AGENT_PATH, type Coordinator } from './coordinator.js';
export * from './options.js';
export { Cluster, type ClusterConfig, type ClusterEffects, type ClusterEvent, type SpeculationConfig } from './cluster.js';
export { Job, Partition, type JobSpec, type JobStatus } from './job.js';
export { AgentSession } from './agent-session.js';
export { jobReport, type JobReport } from './report.js';
export { transition, canTransition, InvalidTransition, PARTITION_TRANSITIONS, type PartitionState, type PartitionEvent } from './partition-machine.js';
export { AGENT_TRANSITIONS, agentTransition, type AgentState, type AgentEvent } from './agent-machine.js';
export { tokenMatches } from './auth.js';
