/**
 * The Cohort SDK. A task module imports `defineTask` (and nothing else is
 * bundled with it: the package has no side effects); a program imports
 * `connect` to submit jobs and stream their results.
 */
export { defineTask, badInput, splitRange, CohortError, ErrorCode, isErrorCode, VERSION } from '@cohort/shared';
export type {
  TaskModule,
  TaskProfile,
  RunContext,
  Isolation,
  JobReport,
  JobProgress,
  JobSummary,
  JobStatus,
  JobError,
  AgentInfo,
  SlotMode,
  PartitionFailure,
  TlsClientOptions,
  SharedKind,
  SharedRef,
} from '@cohort/shared';
export { connect, Cluster, DEFAULT_REATTACH_TIMEOUT_MS, type ConnectOptions, type SubmitOptions } from './cluster.js';
export { Job } from './job.js';
export type { PartitionResult } from './result-stream.js';
export { ApiClient, DEFAULT_TLS_CONNECT_TIMEOUT_MS, httpBase, type ApiClientOptions } from './api-client.js';
export { taskFile, shipTask, type ShippedTask } from './task-source.js';
export { shipShared, shipSharedBytes, type ShippedShared } from './shared-upload.js';
export { bundleTask, type TaskBundle, type BundleOptions } from './bundler.js';
