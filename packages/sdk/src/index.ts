/**
 * The Cohort SDK. A task module imports `defineTask` (and nothing else is
 * bundled with it: the package has no side effects); a program imports
 * `connect` to submit jobs and stream their results.
 */
export { defineTask, badInput, splitRange, CohortError, ErrorCode } from '@cohort/shared';
export type { TaskModule, TaskProfile, RunContext, Isolation, JobReport, JobProgress, JobSummary, AgentInfo, JobStatus, SlotMode } from '@cohort/shared';
