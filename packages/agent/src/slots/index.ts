/** The agent's local execution engine: a pool of thread and process slots. */
export { SlotPool } from './pool.js';
export type { Assignment, JobHeader, SlotPoolEvents, SlotPoolOptions, SlotHooks, SlotExitEvidence, SlotExitCause } from './types.js';
export { NO_HOOKS } from './types.js';
export { chooseMode, ModeBook, type ModeChoice } from './mode.js';
export { SlotMachine, SLOT_TRANSITIONS, type SlotState, type SlotEvent, type SlotCommand, type SlotTransition } from './slot-machine.js';
export { START_TIMEOUT_MS, STOP_TIMEOUT_MS, DEFAULT_HEAP_LIMIT_MB } from './constants.js';
// The two runtimes, for benches that drive one slot without a pool.
export { ThreadRuntime } from './thread-runtime.js';
export { ProcessRuntime } from './process-runtime.js';
export type { ExitInfo, RuntimeHandlers, RuntimeOptions, SlotRuntime } from './runtime.js';
export type { ToSlotMessage, FromSlotMessage, RunBatchMessage, BatchResultsMessage } from './slot-protocol.js';
