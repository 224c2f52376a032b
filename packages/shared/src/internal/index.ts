/**
 * What Cohort's own packages share beyond the wire contract: small
 * primitives with one copy each. Not part of the public API (nats.js keeps
 * the same split in `core/src/internal_mod.ts`).
 */
export * from './backoff.js';
export * from './deferred.js';
export * from './deque.js';
export * from './rng.js';
export * from './wait-for.js';
