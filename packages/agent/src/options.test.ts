import { chmodSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SHARED_BYTES, ErrorCode, LIMITS, silentLogger } from '@cohort/shared';
import {
  DEFAULT_CACHE_DIR,
  DEFAULT_CACHE_MAX_BYTES,
  DEFAULT_FLUSH_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_TLS_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_PREFETCH,
  DEFAULT_MODE,
  MIN_CACHE_MAX_BYTES,
  compileOptions,
  type AgentOptions,
} from './options.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const compile = (options: Partial<AgentOptions> = {}) =>
  compileOptions({ connect: 'ws://127.0.0.1:7070', slots: 2, logger: silentLogger, env: {}, ...options });

describe('agent compileOptions', () => {
  it('defaults', () => {
    const o = compileOptions({ connect: 'ws://127.0.0.1:7070', logger: silentLogger, env: {} });
    expect(o.mode).toBe(DEFAULT_MODE);
    expect(o.maxPrefetch).toBe(DEFAULT_MAX_PREFETCH);
    expect(o.slots).toBeGreaterThanOrEqual(1);
    expect(o.name.length).toBeGreaterThan(0);
    expect(o.token).toBeUndefined();
  });

  it('connect is required', () => {
    expect(codeOf(() => compile({ connect: '' }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ connect: undefined as unknown as string }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('connect must be a URL', () => {
    expect(codeOf(() => compile({ connect: 'not a url' }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ connect: '127.0.0.1:7070' }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('connect must use ws:// or wss://', () => {
    expect(codeOf(() => compile({ connect: 'http://127.0.0.1:7070' }))).toBe(ErrorCode.INVALID_OPTION);
    expect(compile({ connect: 'wss://coordinator.example:443' }).url).toBe('wss://coordinator.example/agent');
  });

  it('/agent is appended when the URL has no path, and a given path is kept', () => {
    expect(compile({ connect: 'ws://127.0.0.1:7070' }).url).toBe('ws://127.0.0.1:7070/agent');
    expect(compile({ connect: 'ws://127.0.0.1:7070/' }).url).toBe('ws://127.0.0.1:7070/agent');
    expect(compile({ connect: 'ws://127.0.0.1:7070/custom' }).url).toBe('ws://127.0.0.1:7070/custom');
    expect(compile({ connect: 'ws://127.0.0.1:7070' }).connect).toBe('ws://127.0.0.1:7070');
  });

  it('mode: threads, processes or auto', () => {
    for (const mode of ['threads', 'processes', 'auto'] as const) expect(compile({ mode }).mode).toBe(mode);
    expect(codeOf(() => compile({ mode: 'thread' as never }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('slots: an integer within the shared bound (the coordinator refuses more in hello)', () => {
    expect(compile({ slots: LIMITS.slots.max }).slots).toBe(LIMITS.slots.max);
    for (const slots of [0, LIMITS.slots.max + 1, 1.5]) expect(codeOf(() => compile({ slots }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('maxPrefetch: an integer within the shared bound', () => {
    expect(compile({ maxPrefetch: 0 }).maxPrefetch).toBe(0);
    for (const maxPrefetch of [-1, LIMITS.maxPrefetch.max + 1]) expect(codeOf(() => compile({ maxPrefetch }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('heapLimitMb: at least 16', () => {
    expect(codeOf(() => compile({ heapLimitMb: 15 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('reconnectInitialMs: at least 1', () => {
    expect(codeOf(() => compile({ reconnectInitialMs: 0 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('reconnectMaxMs must not be below reconnectInitialMs', () => {
    expect(compile({ reconnectInitialMs: 200, reconnectMaxMs: 200 }).reconnectMaxMs).toBe(200);
    expect(codeOf(() => compile({ reconnectInitialMs: 200, reconnectMaxMs: 199 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('drainGraceMs: not negative', () => {
    expect(codeOf(() => compile({ drainGraceMs: -1 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('loadSampleMs: at least 100', () => {
    expect(codeOf(() => compile({ loadSampleMs: 99 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('maxHeldResults: not negative', () => {
    expect(codeOf(() => compile({ maxHeldResults: -1 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('maxPayloadBytes: at least 1024, default DEFAULT_MAX_PAYLOAD_BYTES', () => {
    expect(compile().maxPayloadBytes).toBe(DEFAULT_MAX_PAYLOAD_BYTES);
    expect(codeOf(() => compile({ maxPayloadBytes: 1023 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('tlsConnectTimeoutMs: at least 1, default DEFAULT_TLS_CONNECT_TIMEOUT_MS', () => {
    expect(compile().tlsConnectTimeoutMs).toBe(DEFAULT_TLS_CONNECT_TIMEOUT_MS);
    expect(compile({ tlsConnectTimeoutMs: 250 }).tlsConnectTimeoutMs).toBe(250);
    expect(codeOf(() => compile({ tlsConnectTimeoutMs: 0 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('handshakeTimeoutMs: at least 1, default DEFAULT_HANDSHAKE_TIMEOUT_MS', () => {
    expect(compile().handshakeTimeoutMs).toBe(DEFAULT_HANDSHAKE_TIMEOUT_MS);
    expect(codeOf(() => compile({ handshakeTimeoutMs: 0 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('flushTimeoutMs: not negative, default DEFAULT_FLUSH_TIMEOUT_MS', () => {
    expect(compile().flushTimeoutMs).toBe(DEFAULT_FLUSH_TIMEOUT_MS);
    expect(compile({ flushTimeoutMs: 0 }).flushTimeoutMs).toBe(0);
    expect(codeOf(() => compile({ flushTimeoutMs: -1 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('name: 1 to 128 characters', () => {
    expect(compile({ name: 'x'.repeat(128) }).name).toHaveLength(128);
    expect(codeOf(() => compile({ name: '' }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ name: 'x'.repeat(129) }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('the token comes from the option, else COHORT_TOKEN; empty means none', () => {
    expect(compile({ token: 't1', env: { COHORT_TOKEN: 'env' } }).token).toBe('t1');
    expect(compile({ env: { COHORT_TOKEN: 'env' } }).token).toBe('env');
    expect(compile({ env: { COHORT_TOKEN: '' } }).token).toBeUndefined();
  });

  it('COHORT_AGENT_TOKEN is preferred to COHORT_TOKEN, and the option to both', () => {
    expect(compile({ env: { COHORT_TOKEN: 'both', COHORT_AGENT_TOKEN: 'agent' } }).token).toBe('agent');
    expect(compile({ token: 't1', env: { COHORT_AGENT_TOKEN: 'agent' } }).token).toBe('t1');
    expect(compile({ env: { COHORT_TOKEN: 'both', COHORT_AGENT_TOKEN: '' } }).token).toBe('both');
  });

  it('tasksDirs: existing directories, as real paths; none by default', () => {
    expect(compile().tasksDirs).toEqual([]);
    expect(compile({ tasksDirs: [os.tmpdir()] }).tasksDirs).toEqual([realpathSync(os.tmpdir())]);
    expect(codeOf(() => compile({ tasksDirs: ['/no/such/dir/anywhere'] }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('cacheDir: default DEFAULT_CACHE_DIR; created 0700 when missing; returned as its real path', () => {
    expect(compile().cacheDir).toBe(realpathSync(DEFAULT_CACHE_DIR));
    const base = mkdtempSync(path.join(os.tmpdir(), 'cohort-opt-'));
    try {
      const dir = path.join(base, 'nested', 'cache');
      expect(compile({ cacheDir: dir }).cacheDir).toBe(realpathSync(dir));
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('cacheDir: a directory others may write to, or a file, is refused', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'cohort-opt-'));
    try {
      chmodSync(base, 0o777);
      expect(codeOf(() => compile({ cacheDir: base }))).toBe(ErrorCode.INVALID_OPTION);
      const file = path.join(base, 'file');
      writeFileSync(file, '');
      expect(codeOf(() => compile({ cacheDir: file }))).toBe(ErrorCode.INVALID_OPTION);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('cacheMaxBytes: at least MIN_CACHE_MAX_BYTES, default DEFAULT_CACHE_MAX_BYTES', () => {
    expect(compile().cacheMaxBytes).toBe(DEFAULT_CACHE_MAX_BYTES);
    expect(compile({ cacheMaxBytes: MIN_CACHE_MAX_BYTES }).cacheMaxBytes).toBe(MIN_CACHE_MAX_BYTES);
    expect(codeOf(() => compile({ cacheMaxBytes: MIN_CACHE_MAX_BYTES - 1 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ cacheMaxBytes: MIN_CACHE_MAX_BYTES + 0.5 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('maxSharedBytes: 0 to LIMITS.sharedBytes.max, default DEFAULT_MAX_SHARED_BYTES (1 GiB)', () => {
    expect(compile().maxSharedBytes).toBe(DEFAULT_MAX_SHARED_BYTES);
    expect(DEFAULT_MAX_SHARED_BYTES).toBe(1024 * 1024 * 1024);
    expect(compile({ maxSharedBytes: 0 }).maxSharedBytes).toBe(0);
    expect(codeOf(() => compile({ maxSharedBytes: -1 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ maxSharedBytes: LIMITS.sharedBytes.max + 1 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('tls: given, needs a wss:// URL; COHORT_TLS_FINGERPRINT is read when it is absent, for a wss:// URL only', () => {
    const pin = `sha256:${'ab'.repeat(32)}`;
    expect(codeOf(() => compile({ tls: { fingerprint: pin } }))).toBe(ErrorCode.INVALID_OPTION);
    // A pin exported for a remote coordinator leaves a plain loopback one alone (cohort demo, LocalCluster).
    expect(compile({ env: { COHORT_TLS_FINGERPRINT: pin } }).tls).toBeUndefined();
    expect(compile({ env: { COHORT_TLS_CA: '/nonexistent/ca.pem' } }).tls).toBeUndefined();
    expect(compile({ connect: 'wss://127.0.0.1:7070', tls: { fingerprint: pin } }).tls).toEqual({ fingerprint: pin });
    expect(compile({ connect: 'wss://127.0.0.1:7070', env: { COHORT_TLS_FINGERPRINT: pin.toUpperCase() } }).tls).toEqual({
      fingerprint: pin,
      from: 'COHORT_TLS_FINGERPRINT',
    });
    expect(codeOf(() => compile({ connect: 'wss://127.0.0.1:7070', tls: { fingerprint: pin, ca: 'PEM' } }))).toBe(ErrorCode.INVALID_OPTION);
    expect(compile({ connect: 'wss://127.0.0.1:7070' }).tls).toBeUndefined();
  });
});
