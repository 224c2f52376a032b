/**
 * The agent never sends its token in clear beyond loopback: a ws:// URL to
 * another host is refused with TLS_REQUIRED before anything is opened (a
 * real listener on this machine's own non-loopback address counts the
 * bytes), unless `insecureNoTls`. Pins given in code take the flag's forms.
 */
import { ErrorCode, silentLogger } from '@cohort/shared';
import { waitFor } from '@cohort/shared/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/helpers/code-of.js';
import { nonLoopbackAddress, plainListener, type PlainListener } from '../../../test/helpers/plain-listener.js';
import { startAgent } from './agent.js';
import { compileOptions, type AgentOptions } from './options.js';

const address = nonLoopbackAddress();
const TOKEN = 'agent-secret-never-in-clear';
const base = { slots: 1, mode: 'threads', logger: silentLogger, env: {} } as const;
let listener: PlainListener | undefined;

afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

describe.skipIf(address === undefined)('agent: no token in clear beyond loopback', () => {
  it('refuses ws:// with a token before connecting: zero bytes reach the listener', async () => {
    listener = await plainListener(address!);
    await expect(startAgent({ ...base, connect: `ws://${listener.hostPort}`, token: TOKEN })).rejects.toMatchObject({ code: ErrorCode.TLS_REQUIRED });
    await new Promise((r) => setTimeout(r, 50));
    expect(listener.connections()).toBe(0);
    expect(listener.received()).toBe('');
  });

  it('with insecureNoTls, connects (the upgrade, token and all, reaches the listener)', async () => {
    listener = await plainListener(address!);
    const agent = await startAgent({ ...base, connect: `ws://${listener.hostPort}`, token: TOKEN, insecureNoTls: true });
    const ended = agent.closed.then(
      () => undefined,
      (err: { code?: string }) => err.code,
    );
    await waitFor('the upgrade', () => listener!.received().includes('\r\n\r\n'), { timeoutMs: 5000 });
    expect(listener.received()).toMatch(/^GET \/agent HTTP\/1\.1/);
    expect(listener.received()).toContain(`Bearer ${TOKEN}`);
    // The listener answers as a TLS port does: the agent stops for good.
    expect(await ended).toBe(ErrorCode.TLS_REQUIRED);
    await agent.stop();
  });
});

describe('agent options: the token and the TLS trust', () => {
  const compile = (options: Partial<AgentOptions>) => compileOptions({ ...base, connect: 'ws://127.0.0.1:7070', ...options });

  it('allows a token over ws:// to loopback, over wss:// anywhere, and no token anywhere', () => {
    for (const connect of ['ws://127.0.0.1:7070', 'ws://localhost:7070', 'ws://[::1]:7070', 'wss://203.0.113.9:7070']) {
      expect(codeOf(() => compile({ connect, token: TOKEN }))).toBe('no error');
    }
    expect(codeOf(() => compile({ connect: 'ws://203.0.113.9:7070' }))).toBe('no error');
    expect(codeOf(() => compile({ connect: 'ws://203.0.113.9:7070', token: TOKEN }))).toBe(ErrorCode.TLS_REQUIRED);
    expect(codeOf(() => compile({ connect: 'ws://203.0.113.9:7070', token: TOKEN, insecureNoTls: true }))).toBe('no error');
    // The token from the environment counts as well.
    expect(codeOf(() => compile({ connect: 'ws://203.0.113.9:7070', env: { COHORT_AGENT_TOKEN: TOKEN } }))).toBe(ErrorCode.TLS_REQUIRED);
  });

  it("takes a pin in code in the flag's forms, in the one form", () => {
    const hex = 'ab'.repeat(32);
    const o = compile({ connect: 'wss://127.0.0.1:7070', tls: { fingerprint: hex.toUpperCase().match(/../g)!.join(':') } });
    expect(o.tls?.fingerprint).toBe(`sha256:${hex}`);
    expect(codeOf(() => compile({ connect: 'wss://127.0.0.1:7070', tls: { fingerprint: 'sha256:abc' } }))).toBe(ErrorCode.INVALID_OPTION);
  });
});
