import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, isLogLevel, stderrSink, type LogEntry } from './log.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Run `fn` with process.stderr.write captured; returns what was written. */
function captureStderr(fn: () => void): string {
  const chunks: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stderr.write);
  fn();
  vi.restoreAllMocks();
  return chunks.join('');
}

describe('stderrSink', () => {
  it("writes no raw control byte from a peer's text, and the line is still JSON that reads back the same", () => {
    const name = '\u001b[2J\u001b]0;pwned\u0007e\u009bvil\u2028\u202e\u007f';
    const line = captureStderr(() => stderrSink({ time: 1, level: 'info', msg: 'agent joined', name }));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control bytes
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202e]/.test(line)).toBe(false);
    expect(JSON.parse(line).name).toBe(name);
  });

  it('writes one JSON line per entry with a token field redacted', () => {
    const out = captureStderr(() => createLogger({ sink: stderrSink }).info('agent connected', { token: 's3cret-value', agent: 'a1' }));
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trim().split('\n')).toHaveLength(1);
    const entry = JSON.parse(out) as LogEntry;
    expect(entry.msg).toBe('agent connected');
    expect(entry.agent).toBe('a1');
    expect(entry.token).toBe('[redacted]');
    expect(out).not.toContain('s3cret-value');
  });

  it('redacts secrets in nested fields, in child context, and whatever the case of the key', () => {
    const log = createLogger({ sink: stderrSink, context: { component: 'test' } }).child({ password: 'pw-1' });
    const out = captureStderr(() => log.warn('request', { headers: { Authorization: 'Bearer tok-2' }, Secret: 'sec-3', options: { token: 'tok-4' } }));
    for (const secret of ['pw-1', 'tok-2', 'sec-3', 'tok-4']) expect(out).not.toContain(secret);
    const entry = JSON.parse(out) as Record<string, unknown>;
    expect(entry.component).toBe('test');
    expect(entry.password).toBe('[redacted]');
  });

  it('does not touch fields that are not secrets', () => {
    const out = captureStderr(() => stderrSink({ time: 1, level: 'info', msg: 'm', tokens: 3, jobId: 'j1' }));
    expect(JSON.parse(out)).toEqual({ time: 1, level: 'info', msg: 'm', tokens: 3, jobId: 'j1' });
  });
});

describe('createLogger', () => {
  it('sends entries to the sink with level, message, context and fields', () => {
    const entries: LogEntry[] = [];
    const log = createLogger({ sink: (e) => entries.push(e), context: { component: 'c' } }).child({ jobId: 'j1' });
    log.error('job failed', { code: 'PARTITION_FAILED' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: 'error', msg: 'job failed', component: 'c', jobId: 'j1', code: 'PARTITION_FAILED' });
    expect(typeof entries[0]!.time).toBe('number');
  });

  it('drops entries below its level, and children keep the level', () => {
    const entries: LogEntry[] = [];
    const log = createLogger({ level: 'warn', sink: (e) => entries.push(e) });
    log.debug('d');
    log.info('i');
    log.child({ x: 1 }).info('child info');
    log.warn('w');
    expect(entries.map((e) => e.msg)).toEqual(['w']);
    expect(log.enabled('info')).toBe(false);
    expect(log.enabled('error')).toBe(true);
  });

  it('isLogLevel knows the four levels', () => {
    expect(['debug', 'info', 'warn', 'error'].every(isLogLevel)).toBe(true);
    expect(isLogLevel('trace')).toBe(false);
    expect(isLogLevel('toString')).toBe(false);
  });
});
