import { describe, expect, it } from 'vitest';
import { encode } from './codec.js';
import { ErrorCode } from './errors.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { decodeAgentMessage, decodeCoordinatorMessage } from './validate.js';
import { codeOf } from '../../../test/helpers/code-of.js';
import { seededRandom as rng } from './internal/rng.js';

/** A small seeded PRNG (mulberry32), so that a failure reproduces. */

const hardware = { cpus: 1, cpuModel: 'x', memoryBytes: 1, platform: 'linux', arch: 'x64', node: 'v20', hostname: 'h' };
const hello = {
  type: 'hello',
  protocol: PROTOCOL_VERSION,
  agentVersion: '0.1.0',
  name: 'a',
  slots: 2,
  mode: 'auto',
  modes: ['thread'],
  maxPrefetch: 4,
  hardware,
};
const okItem = { p: 0, a: 1, ok: true, value: 1, ms: 1, mode: 'thread', why: 'agent-threads' };
const failedItem = { p: 0, a: 1, ok: false, error: { code: 'TASK_ERROR', name: 'Error', message: 'x' }, ms: 1, mode: 'thread', why: 'agent-threads' };
const welcome = { type: 'welcome', protocol: 1, sessionId: 's', coordinatorVersion: '0.1.0', heartbeatMs: 500, heartbeatTimeoutMs: 2000 };
const assign = { type: 'assign', jobId: 'j', task: 't', isolation: 'thread', timeoutMs: 0, items: [{ p: 0, a: 1, input: null }] };

describe('garbage bytes', () => {
  it('1000 random frames are each refused with BAD_FRAME, by both decoders', () => {
    const random = rng(42);
    for (let n = 0; n < 1000; n++) {
      const frame = new Uint8Array(1 + Math.floor(random() * 64));
      for (let i = 0; i < frame.length; i++) frame[i] = Math.floor(random() * 256);
      expect(
        codeOf(() => decodeAgentMessage(frame)),
        `frame ${Buffer.from(frame).toString('hex')}`,
      ).toBe(ErrorCode.BAD_FRAME);
      expect(
        codeOf(() => decodeCoordinatorMessage(frame)),
        `frame ${Buffer.from(frame).toString('hex')}`,
      ).toBe(ErrorCode.BAD_FRAME);
    }
  });

  it('the never-used msgpack byte 0xc1 → BAD_FRAME', () => {
    expect(codeOf(() => decodeAgentMessage(Uint8Array.from([0xc1])))).toBe(ErrorCode.BAD_FRAME);
  });
});

describe('valid msgpack, wrong shape → BAD_FRAME (agent messages)', () => {
  const cases: Array<[string, unknown]> = [
    ['a number', 42],
    ['a string', 'hello'],
    ['null', null],
    ['an array', [hello]],
    ['a binary', Buffer.from('hello')],
    ['a map with no type', { protocol: 1 }],
    ['an unknown type', { type: 'launch-missiles' }],
    ['a coordinator-only type', welcome],
    ['hello without name', { ...hello, name: undefined }],
    ['hello with slots as a string', { ...hello, slots: '2' }],
    ['hello with 0 slots', { ...hello, slots: 0 }],
    ['hello with fractional protocol', { ...hello, protocol: 1.5 }],
    ['hello with an unknown mode', { ...hello, mode: 'fibers' }],
    ['hello with an unknown slot mode', { ...hello, modes: ['fiber'] }],
    ['hello with three modes', { ...hello, modes: ['thread', 'process', 'thread'] }],
    ['hello without hardware', { ...hello, hardware: undefined }],
    ['hello with a name too long', { ...hello, name: 'x'.repeat(129) }],
    ['hello with a numeric previousSessionId', { ...hello, previousSessionId: 7 }],
    ['heartbeat without seq', { type: 'heartbeat', sentAt: 1 }],
    ['heartbeat with negative seq', { type: 'heartbeat', seq: -1, sentAt: 1 }],
    ['heartbeat with load as a number', { type: 'heartbeat', seq: 1, sentAt: 1, load: 5 }],
    ['results without jobId', { type: 'results', items: [okItem] }],
    ['results with items as a map', { type: 'results', jobId: 'j', items: { 0: okItem } }],
    ['results item as a number', { type: 'results', jobId: 'j', items: [7] }],
    ['results item with attempt 0', { type: 'results', jobId: 'j', items: [{ ...okItem, a: 0 }] }],
    ['results item with negative p', { type: 'results', jobId: 'j', items: [{ ...okItem, p: -1 }] }],
    ['results item with ms as a string', { type: 'results', jobId: 'j', items: [{ ...okItem, ms: '1' }] }],
    ['results item with an unknown mode', { type: 'results', jobId: 'j', items: [{ ...okItem, mode: 'fiber' }] }],
    ['results item with an unknown reason', { type: 'results', jobId: 'j', items: [{ ...okItem, why: 'because' }] }],
    ['results item with ok as a string', { type: 'results', jobId: 'j', items: [{ ...okItem, ok: 'yes' }] }],
    ['failed item without error', { type: 'results', jobId: 'j', items: [{ ...failedItem, error: undefined }] }],
    [
      'failed item with an unknown error code',
      { type: 'results', jobId: 'j', items: [{ ...failedItem, error: { code: 'EWHATEVER', name: 'E', message: 'x' } }] },
    ],
    ['failed item with a numeric message', { type: 'results', jobId: 'j', items: [{ ...failedItem, error: { code: 'TASK_ERROR', name: 'E', message: 1 } }] }],
    ['a bad item after good ones', { type: 'results', jobId: 'j', items: [okItem, okItem, { ...okItem, a: 'one' }] }],
    ['started with a triple', { type: 'started', jobId: 'j', items: [[0, 1, 2]] }],
    ['started with a fractional index', { type: 'started', jobId: 'j', items: [[0.5, 1]] }],
    ['mode-change without task', { type: 'mode-change', mode: 'process', why: 'escalated-after-crash' }],
    ['mode-change with an unknown reason', { type: 'mode-change', task: 't', mode: 'process', why: 'whim' }],
  ];
  it.each(cases)('%s', (_name, value) => {
    expect(codeOf(() => decodeAgentMessage(encode(value)))).toBe(ErrorCode.BAD_FRAME);
  });

  it('the well-formed bases of these cases are accepted (so each case fails for its own reason)', () => {
    for (const msg of [hello, { type: 'results', jobId: 'j', items: [okItem, failedItem] }, { type: 'started', jobId: 'j', items: [[0, 1]] }]) {
      expect(decodeAgentMessage(encode(msg))).toEqual(msg);
    }
  });
});

describe('valid msgpack, wrong shape → BAD_FRAME (coordinator messages)', () => {
  const cases: Array<[string, unknown]> = [
    ['a number', 1],
    ['an array', [welcome]],
    ['an unknown type', { type: 'reboot' }],
    ['an agent-only type', hello],
    ['welcome without sessionId', { ...welcome, sessionId: undefined }],
    ['welcome with heartbeatMs 0', { ...welcome, heartbeatMs: 0 }],
    ['assign with an unknown isolation', { ...assign, isolation: 'vm' }],
    ['assign with a negative timeout', { ...assign, timeoutMs: -1 }],
    ['assign with an item as a number', { ...assign, items: [3] }],
    ['assign with attempt 0', { ...assign, items: [{ p: 0, a: 0, input: null }] }],
    ['cancel without jobId', { type: 'cancel' }],
    ['cancel with items as a number', { type: 'cancel', jobId: 'j', items: 3 }],
    ['heartbeat with sentAt as a string', { type: 'heartbeat', seq: 1, sentAt: 'now' }],
  ];
  it.each(cases)('%s', (_name, value) => {
    expect(codeOf(() => decodeCoordinatorMessage(encode(value)))).toBe(ErrorCode.BAD_FRAME);
  });

  it('the well-formed bases of these cases are accepted', () => {
    expect(decodeCoordinatorMessage(encode(welcome))).toEqual(welcome);
    expect(decodeCoordinatorMessage(encode(assign))).toEqual(assign);
  });
});
