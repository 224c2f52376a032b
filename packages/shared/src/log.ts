/**
 * Structured logging. Messages are fixed strings; values go in fields. A
 * child logger adds context such as `{component, agentId, jobId}`. Output is
 * one JSON object per line on stderr (stdout belongs to the CLI's contract
 * lines). Tests pass a `sink` to capture entries.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogEntry {
  time: number;
  level: LogLevel;
  msg: string;
  [field: string]: unknown;
}

export type LogSink = (entry: LogEntry) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(context: Record<string, unknown>): Logger;
  enabled(level: LogLevel): boolean;
}

/** Field names whose values are never written, whatever logs them. */
const SECRET_FIELDS = new Set(['token', 'authorization', 'password', 'secret']);

/**
 * JSON escapes C0 controls but not DEL, C1 (CSI is 0x9b) or the Unicode line
 * separators and bidi controls; a peer's text in a field must not reach a
 * terminal that tails the log, so those become \uNNNN too (still valid JSON).
 */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function formatLogLine(entry: LogEntry): string {
  return JSON.stringify(entry, redact).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const stderrSink: LogSink = (entry) => {
  process.stderr.write(`${formatLogLine(entry)}\n`);
};

function redact(key: string, value: unknown): unknown {
  return SECRET_FIELDS.has(key.toLowerCase()) ? '[redacted]' : value;
}

export function createLogger(options: { level?: LogLevel; sink?: LogSink; context?: Record<string, unknown> } = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const sink = options.sink ?? stderrSink;
  const context = options.context ?? {};
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    sink({ time: Date.now(), level, msg, ...context, ...fields });
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (more) => createLogger({ level: options.level ?? 'info', sink, context: { ...context, ...more } }),
    enabled: (level) => LEVELS[level] >= min,
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ sink: () => {} });

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVELS, value);
}
