import { describe, expect, it } from 'vitest';
import { decodeRaw, encode } from './codec.js';
import { ErrorCode } from './errors.js';
import { PROTOCOL_VERSION, type AgentMessage, type CoordinatorMessage } from './protocol.js';
import { decodeAgentMessage, decodeCoordinatorMessage } from './validate.js';

const hardware = { cpus: 2, cpuModel: 'test-cpu', memoryBytes: 8 * 2 ** 30, platform: 'linux', arch: 'x64', node: 'v20.20.0', hostname: 'h1' };

/** One example of every agent → coordinator message type (and the optional-field variants). */
const agentMessages: Record<string, AgentMessage> = {
  hello: {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agentVersion: '0.1.0',
    name: 'a1',
    slots: 4,
    mode: 'auto',
    modes: ['thread', 'process'],
    maxPrefetch: 64,
    hardware,
  },
  'hello (re-join)': {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agentVersion: '0.1.0',
    name: 'a1',
    slots: 1,
    mode: 'threads',
    modes: ['thread'],
    maxPrefetch: 0,
    hardware,
    previousSessionId: 's_prev',
  },
  heartbeat: { type: 'heartbeat', seq: 7, sentAt: 1_700_000_000_000 },
  'heartbeat (load)': { type: 'heartbeat', seq: 8, sentAt: 1.5, load: { cpuPercent: 12.5, memoryPercent: 40, load1: 0.7, queued: 3, busySlots: 2 } },
  results: {
    type: 'results',
    jobId: 'j_0123456789',
    items: [
      { p: 0, a: 1, ok: true, value: { count: 42, list: [1, 2, 3] }, ms: 3.25, mode: 'thread', why: 'auto-cpu-pure' },
      {
        p: 1,
        a: 2,
        ok: false,
        error: { code: ErrorCode.TASK_ERROR, name: 'Error', message: 'boom', details: { exitCode: 1 } },
        ms: 0,
        mode: 'process',
        why: 'escalated-after-crash',
      },
      { p: 2, a: 1, ok: true, value: null, ms: 1, mode: 'process', why: 'agent-processes' },
    ],
  },
  started: {
    type: 'started',
    jobId: 'j_0123456789',
    items: [
      [0, 1],
      [5, 3],
    ],
  },
  'mode-change': {
    type: 'mode-change',
    task: 'crash',
    mode: 'process',
    why: 'escalated-after-crash',
    evidence: { code: ErrorCode.SLOT_CRASHED, name: 'CohortError', message: 'slot exited' },
  },
  draining: { type: 'draining' },
};

const coordinatorMessages: Record<string, CoordinatorMessage> = {
  welcome: { type: 'welcome', protocol: PROTOCOL_VERSION, sessionId: 's_1', coordinatorVersion: '0.1.0', heartbeatMs: 500, heartbeatTimeoutMs: 2000 },
  assign: {
    type: 'assign',
    jobId: 'j_0123456789',
    task: 'primes',
    isolation: 'auto',
    timeoutMs: 0,
    items: [
      { p: 0, a: 1, input: { from: 0, to: 10 } },
      { p: 1, a: 2, input: null },
    ],
  },
  cancel: { type: 'cancel', jobId: 'j_0123456789' },
  'cancel (items)': { type: 'cancel', jobId: 'j_0123456789', items: [3, 4] },
  heartbeat: { type: 'heartbeat', seq: 1, sentAt: 99 },
};

describe('codec round-trips', () => {
  it('covers every agent message type', () => {
    const types = new Set(Object.values(agentMessages).map((m) => m.type));
    expect([...types].sort()).toEqual(['draining', 'heartbeat', 'hello', 'mode-change', 'results', 'started']);
  });

  it('covers every coordinator message type', () => {
    const types = new Set(Object.values(coordinatorMessages).map((m) => m.type));
    expect([...types].sort()).toEqual(['assign', 'cancel', 'heartbeat', 'welcome']);
  });

  it.each(Object.entries(agentMessages))('agent message %s survives encode → decodeAgentMessage', (_name, msg) => {
    expect(decodeAgentMessage(encode(msg))).toEqual(msg);
  });

  it.each(Object.entries(coordinatorMessages))('coordinator message %s survives encode → decodeCoordinatorMessage', (_name, msg) => {
    expect(decodeCoordinatorMessage(encode(msg))).toEqual(msg);
  });

  it('encodes to a Buffer', () => {
    expect(Buffer.isBuffer(encode({ type: 'draining' }))).toBe(true);
  });
});

describe('binary payloads stay binary', () => {
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;

  it('a Buffer result value decodes as bytes, not a base64 string', () => {
    const frame = encode({ type: 'results', jobId: 'j1', items: [{ p: 0, a: 1, ok: true, value: bytes, ms: 1, mode: 'thread', why: 'agent-threads' }] });
    const msg = decodeAgentMessage(frame);
    if (msg.type !== 'results' || !msg.items[0]!.ok) throw new Error('unexpected shape');
    const value = msg.items[0]!.value;
    expect(typeof value).not.toBe('string');
    expect(value).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(value as Uint8Array).equals(bytes)).toBe(true);
  });

  it('a Buffer assign input decodes as bytes', () => {
    const frame = encode({ type: 'assign', jobId: 'j1', task: 'hash', isolation: 'thread', timeoutMs: 0, items: [{ p: 0, a: 1, input: bytes }] });
    const msg = decodeCoordinatorMessage(frame);
    if (msg.type !== 'assign') throw new Error('unexpected shape');
    expect(msg.items[0]!.input).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(msg.items[0]!.input as Uint8Array).equals(bytes)).toBe(true);
  });

  it('a plain Uint8Array decodes as bytes', () => {
    const raw = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const decoded = decodeRaw(encode({ v: raw })) as { v: unknown };
    expect(decoded.v).toBeInstanceOf(Uint8Array);
    expect([...(decoded.v as Uint8Array)]).toEqual([...raw]);
  });

  it('the frame carries the raw bytes with a few bytes of overhead (no base64 inflation)', () => {
    const frame = encode({ v: bytes });
    expect(frame.length).toBeLessThan(bytes.length + 16);
    expect(frame.includes(bytes)).toBe(true);
  });
});

describe('decodeRaw', () => {
  const codeOf = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return (err as { code?: unknown }).code;
    }
    return 'no error';
  };

  it.each([
    ['empty frame', []],
    ['truncated map', [0x81]],
    ['truncated array', [0x92, 0x01]],
    ['truncated str32', [0xdb, 0, 0, 0, 9, 0x61]],
  ])('%s → BAD_FRAME', (_name, bytes) => {
    expect(codeOf(() => decodeRaw(Uint8Array.from(bytes)))).toBe(ErrorCode.BAD_FRAME);
  });

  it('a truncated real frame → BAD_FRAME', () => {
    const frame = encode(agentMessages.results);
    expect(codeOf(() => decodeRaw(frame.subarray(0, frame.length - 3)))).toBe(ErrorCode.BAD_FRAME);
  });

  it('a frame with trailing bytes → BAD_FRAME', () => {
    const frame = Buffer.concat([encode({ type: 'draining' }), Buffer.from([0x01])]);
    expect(codeOf(() => decodeRaw(frame))).toBe(ErrorCode.BAD_FRAME);
  });

  it('keeps the msgpack error as the cause', () => {
    try {
      decodeRaw(Uint8Array.from([0x81]));
      expect.unreachable();
    } catch (err) {
      expect((err as Error).cause).toBeInstanceOf(Error);
    }
  });
});
