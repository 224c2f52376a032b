/**
 * Defaults both sides of the link agree on, defined once. The coordinator's
 * `welcome` carries the heartbeat values it actually uses; an agent assumes
 * these until it hears them.
 */

/** The WebSocket path agents connect on (`ws://host:port/agent`). */
export const AGENT_PATH = '/agent';
/** How often each side sends a heartbeat. */
export const DEFAULT_HEARTBEAT_MS = 500;
/** Silence longer than this and the other side is taken for gone (at least twice DEFAULT_HEARTBEAT_MS). */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 2000;
/** The coordinator's default request body limit (`--max-body-bytes`); the CLI bounds an input file or stdin by it before it reads them. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
