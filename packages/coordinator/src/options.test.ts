import { realpathSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger } from '@cohort/shared';
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_CONNECTIONS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PORT,
  DEFAULT_SPECULATION,
  DEFAULT_TICK_MS,
  compileOptions,
  type CoordinatorOptions,
} from './options.js';
import { codeOf } from '../../../test/helpers/code-of.js';

/** Compile with a silent logger and an empty environment, so COHORT_TOKEN on this machine never leaks in. */
const compile = (options: CoordinatorOptions = {}) => compileOptions({ logger: silentLogger, env: {}, ...options });

describe('coordinator compileOptions', () => {
  it('defaults: loopback, DEFAULT_* values, no token', () => {
    const o = compile();
    expect(o).toMatchObject({
      host: DEFAULT_HOST,
      port: DEFAULT_PORT,
      heartbeatMs: DEFAULT_HEARTBEAT_MS,
      heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      tickMs: DEFAULT_TICK_MS,
      token: undefined,
      stateDir: undefined,
    });
    expect(o.speculation).toEqual(DEFAULT_SPECULATION);
  });

  it('journalRecover: off by default, and only with a stateDir', () => {
    expect(compile().journalRecover).toBe(false);
    expect(compile({ stateDir: '/tmp/x', journalRecover: true }).journalRecover).toBe(true);
    expect(codeOf(() => compile({ journalRecover: true }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it("scheduling: 'fair' by default, or 'fifo'; anything else is INVALID_OPTION", () => {
    expect(compile({}).scheduling).toBe('fair');
    expect(compile({ scheduling: 'fifo' }).scheduling).toBe('fifo');
    for (const scheduling of ['FAIR', 'round-robin', '', 1]) expect(codeOf(() => compile({ scheduling } as never))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('port: an integer in [0, 65535]', () => {
    expect(compile({ port: 0 }).port).toBe(0);
    expect(compile({ port: 65535 }).port).toBe(65535);
    for (const port of [-1, 65536, 80.5]) expect(codeOf(() => compile({ port }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('heartbeatMs: an integer in [10, 60000]', () => {
    expect(compile({ heartbeatMs: 10, tickMs: 10, heartbeatTimeoutMs: 20 }).heartbeatMs).toBe(10);
    expect(codeOf(() => compile({ heartbeatMs: 9, tickMs: 5 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ heartbeatMs: 60_001, heartbeatTimeoutMs: 600_000 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('heartbeatTimeoutMs: an integer in [20, 600000]', () => {
    expect(codeOf(() => compile({ heartbeatMs: 10, tickMs: 10, heartbeatTimeoutMs: 19 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ heartbeatTimeoutMs: 600_001 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('heartbeatTimeoutMs must be at least twice heartbeatMs', () => {
    expect(compile({ heartbeatMs: 500, heartbeatTimeoutMs: 1000 }).heartbeatTimeoutMs).toBe(1000);
    expect(codeOf(() => compile({ heartbeatMs: 500, heartbeatTimeoutMs: 999 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('handshakeTimeoutMs: an integer in [10, 600000]', () => {
    expect(codeOf(() => compile({ handshakeTimeoutMs: 9 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ handshakeTimeoutMs: 600_001 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('maxPayloadBytes and maxBodyBytes: at least 1024', () => {
    expect(codeOf(() => compile({ maxPayloadBytes: 1023 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ maxBodyBytes: 1023 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(compile({ maxPayloadBytes: 1024, maxBodyBytes: 1024 }).maxPayloadBytes).toBe(1024);
  });

  it('HTTP limits: defaults, ranges, and requestTimeoutMs at least headersTimeoutMs', () => {
    expect(compile()).toMatchObject({
      headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      maxPendingConnections: DEFAULT_MAX_PENDING_CONNECTIONS,
    });
    expect(compile({ headersTimeoutMs: 100, requestTimeoutMs: 100 }).headersTimeoutMs).toBe(100);
    for (const headersTimeoutMs of [99, 600_001, 1.5]) expect(codeOf(() => compile({ headersTimeoutMs }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ headersTimeoutMs: 2000, requestTimeoutMs: 1999 }))).toBe(ErrorCode.INVALID_OPTION);
    for (const keepAliveTimeoutMs of [99, 600_001]) expect(codeOf(() => compile({ keepAliveTimeoutMs }))).toBe(ErrorCode.INVALID_OPTION);
    for (const maxPendingConnections of [0, 1.5]) expect(codeOf(() => compile({ maxPendingConnections }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('maxAttempts: an integer in [1, 100]', () => {
    expect(compile({ maxAttempts: 1 }).maxAttempts).toBe(1);
    for (const maxAttempts of [0, 101, 2.5]) expect(codeOf(() => compile({ maxAttempts }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('maxPartitions: an integer in [1, 100000000]', () => {
    for (const maxPartitions of [0, 100_000_001]) expect(codeOf(() => compile({ maxPartitions }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('tickMs: an integer in [5, 10000]', () => {
    expect(codeOf(() => compile({ tickMs: 4 }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ tickMs: 10_001, heartbeatMs: 60_000, heartbeatTimeoutMs: 120_000 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('tickMs must not exceed heartbeatMs', () => {
    expect(compile({ tickMs: 500, heartbeatMs: 500 }).tickMs).toBe(500);
    expect(codeOf(() => compile({ tickMs: 501, heartbeatMs: 500 }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('speculation.quantile: a number in [0, 1]', () => {
    expect(compile({ speculation: { quantile: 0.9 } }).speculation).toEqual({ ...DEFAULT_SPECULATION, quantile: 0.9 });
    for (const quantile of [-0.01, 1.01, Number.NaN]) expect(codeOf(() => compile({ speculation: { quantile } }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('speculation.multiplier: at least 1', () => {
    expect(codeOf(() => compile({ speculation: { multiplier: 0.99 } }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('speculation.minRuntimeMs: not negative', () => {
    expect(compile({ speculation: { minRuntimeMs: 0 } }).speculation.minRuntimeMs).toBe(0);
    expect(codeOf(() => compile({ speculation: { minRuntimeMs: -1 } }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('binding 0.0.0.0 without a token is INSECURE_BIND', () => {
    expect(codeOf(() => compile({ host: '0.0.0.0' }))).toBe(ErrorCode.INSECURE_BIND);
    expect(codeOf(() => compile({ host: '10.0.0.1' }))).toBe(ErrorCode.INSECURE_BIND);
  });

  it('binding 0.0.0.0 with a token is allowed with TLS, or with insecureNoTls', () => {
    expect(compile({ host: '0.0.0.0', token: 's3cret', tls: { auto: true } }).token).toBe('s3cret');
    expect(compile({ host: '0.0.0.0', token: 's3cret', insecureNoTls: true }).token).toBe('s3cret');
  });

  it('the token comes from COHORT_TOKEN in the env option', () => {
    const o = compile({ host: '0.0.0.0', insecureNoTls: true, env: { COHORT_TOKEN: 'from-env' } });
    expect(o.token).toBe('from-env');
    expect(compile({ token: 'explicit', env: { COHORT_TOKEN: 'from-env' } }).token).toBe('explicit');
  });

  it('an empty token is no token', () => {
    expect(compile({ token: '' }).token).toBeUndefined();
    expect(codeOf(() => compile({ host: '0.0.0.0', token: '' }))).toBe(ErrorCode.INSECURE_BIND);
    expect(codeOf(() => compile({ host: '0.0.0.0', env: { COHORT_TOKEN: '' } }))).toBe(ErrorCode.INSECURE_BIND);
  });

  it('loopback hosts need no token', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(compile({ host }).host).toBe(host);
  });

  it('agentToken splits the roles; it comes from COHORT_AGENT_TOKEN too', () => {
    expect(compile({ token: 'client', agentToken: 'agent' })).toMatchObject({ token: 'client', agentToken: 'agent' });
    expect(compile({ env: { COHORT_TOKEN: 'client', COHORT_AGENT_TOKEN: 'agent' } })).toMatchObject({ token: 'client', agentToken: 'agent' });
    expect(compile({ token: 'client', agentToken: '' }).agentToken).toBeUndefined();
  });

  it('agentToken needs a token, and must differ from it', () => {
    expect(codeOf(() => compile({ agentToken: 'agent' }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ token: 'same', agentToken: 'same' }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('binding beyond loopback with split credentials needs both', () => {
    expect(compile({ host: '0.0.0.0', token: 'client', agentToken: 'agent', insecureNoTls: true }).agentToken).toBe('agent');
    expect(codeOf(() => compile({ host: '0.0.0.0', agentToken: 'agent' }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('a token file conflicts with a token, and makes the environment token ignored', () => {
    expect(codeOf(() => compile({ token: 'inline', tokenFile: '/tmp/tokens' }))).toBe(ErrorCode.INVALID_OPTION);
    expect(codeOf(() => compile({ token: 'c', agentToken: 'a', agentTokenFile: '/tmp/agent-tokens' }))).toBe(ErrorCode.INVALID_OPTION);
    const o = compile({ tokenFile: '/tmp/tokens', agentTokenFile: '/tmp/agent-tokens', env: { COHORT_TOKEN: 'env', COHORT_AGENT_TOKEN: 'env-agent' } });
    expect(o).toMatchObject({ token: undefined, agentToken: undefined, tokenFile: '/tmp/tokens', agentTokenFile: '/tmp/agent-tokens' });
  });

  it('agent tokens in a file need client tokens; a token file counts as a token for binding beyond loopback', () => {
    expect(codeOf(() => compile({ agentTokenFile: '/tmp/agent-tokens' }))).toBe(ErrorCode.INVALID_OPTION);
    expect(compile({ token: 'c', agentTokenFile: '/tmp/agent-tokens' }).agentTokenFile).toBe('/tmp/agent-tokens');
    expect(compile({ host: '0.0.0.0', tokenFile: '/tmp/tokens', insecureNoTls: true }).tokenFile).toBe('/tmp/tokens');
  });

  it('tasksDirs: existing directories, as real paths; none by default', () => {
    expect(compile().tasksDirs).toEqual([]);
    const real = realpathSync(os.tmpdir());
    expect(compile({ tasksDirs: [os.tmpdir()] }).tasksDirs).toEqual([real]);
    expect(codeOf(() => compile({ tasksDirs: ['/no/such/dir/anywhere'] }))).toBe(ErrorCode.INVALID_OPTION);
  });
});
