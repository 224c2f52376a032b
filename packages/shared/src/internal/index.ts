/**
 * What Cohort's own packages share beyond the wire contract: small
 * primitives with one copy each, and the TLS and file plumbing of clients,
 * agents and the coordinator. Not part of the public API (nats.js keeps the
 * same split in `core/src/internal_mod.ts`).
 */
export * from './backoff.js';
export * from './bounded-file.js';
export * from './deferred.js';
export * from './deque.js';
export * from './external-ipv4.js';
export * from './file-mode.js';
export * from './pem-file.js';
export * from './rng.js';
export * from './tls-connect.js';
export * from './tls-flags.js';
export * from './token-file.js';
export * from './wait-for.js';
