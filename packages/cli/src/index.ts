export { main, runCli } from './main.js';
export { runJob, type RunJobOptions, type JobProgress } from './run-job.js';
export { parseDrillReport } from './drill/report.js';
export type { DrillReport, DrillResult } from './drill/types.js';
export { ApiClient, httpBase } from '@cohort/sdk';
export { startLocalCluster, type LocalCluster, type LocalClusterOptions, type AgentSpec } from './local-cluster.js';
export type { LocalClusterTls } from './local-cluster-tls.js';
export {
  runCohort,
  spawnAgent,
  spawnCoordinator,
  stopAll,
  COHORT_BIN,
  type Finished,
  type AgentProcess,
  type CoordinatorProcess,
  type Spawned,
} from './processes.js';
export { capacityModel, predictedSlowdown } from './capacity.js';
export {
  watchJob,
  watchWithFault,
  eventsOf,
  WATCH_REATTACH_TIMEOUT_MS,
  type ReceivedEvent,
  type EventOf,
  type JobSpec,
  type WatchedRun,
  type WatchOptions,
  type FaultPoint,
  type FaultedRun,
} from './watched-run.js';
export { startRogueAgent, type RogueAgent, type RogueOptions } from './drill/rogue-agent.js';
export { runChaos, type ChaosReport, type ChaosOptions } from './chaos/chaos.js';
