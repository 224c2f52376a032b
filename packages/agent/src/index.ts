export { startAgent, type Agent, type AgentHooks, type LinkState } from './agent.js';
export * from './options.js';
export { Backoff } from '@cohort/shared/internal';
