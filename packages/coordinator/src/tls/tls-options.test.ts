import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ErrorCode, createLogger, silentLogger, type LogEntry } from '@cohort/shared';
import { compileOptions, type CoordinatorOptions } from '../options.js';
import { autoNames, loadServerTls } from './server-tls.js';
import { autoTlsDir } from './tls-dir.js';
import { codeOf } from '../../../../test/helpers/code-of.js';

const compile = (options: CoordinatorOptions = {}) => compileOptions({ logger: silentLogger, env: {}, ...options });

describe('TLS options', () => {
  it('beyond loopback: INSECURE_BIND without a token, and without TLS', () => {
    expect(codeOf(() => compile({ host: '0.0.0.0', tls: { auto: true } }))).toBe(ErrorCode.INSECURE_BIND);
    expect(codeOf(() => compile({ host: '0.0.0.0', token: 't' }))).toBe(ErrorCode.INSECURE_BIND);
    expect(codeOf(() => compile({ host: '10.1.2.3', token: 't' }))).toBe(ErrorCode.INSECURE_BIND);
    expect(codeOf(() => compile({ host: '::', token: 't' }))).toBe(ErrorCode.INSECURE_BIND);
    expect(compile({ host: '0.0.0.0', token: 't', tls: { auto: true } }).tls).toEqual({ auto: true });
    expect(compile({ host: '0.0.0.0', token: 't', tls: { certFile: 'c.pem', keyFile: 'k.pem' } }).tls).toMatchObject({ certFile: 'c.pem' });
    // A token file counts as a token.
    expect(compile({ host: '0.0.0.0', tokenFile: '/run/secrets/tokens', tls: { auto: true } }).host).toBe('0.0.0.0');
  });

  it('the INSECURE_BIND without TLS names both ways out', () => {
    try {
      compile({ host: '0.0.0.0', token: 't' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('--tls auto');
      expect((err as Error).message).toContain('--insecure-no-tls');
    }
  });

  it('insecureNoTls passes beyond loopback, and is warned about once at start', async () => {
    const o = compile({ host: '0.0.0.0', token: 't', insecureNoTls: true });
    expect(o.insecureNoTls).toBe(true);
    const warnings: LogEntry[] = [];
    const log = createLogger({ level: 'warn', sink: (e) => warnings.push(e) });
    expect(await loadServerTls(o, log)).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ msg: 'serving without TLS beyond loopback', host: '0.0.0.0' })]);
    warnings.length = 0;
    await loadServerTls(compile({ insecureNoTls: true }), log);
    expect(warnings).toEqual([]); // on loopback there is nothing to warn of
  });

  it('loopback needs neither token nor TLS', () => {
    expect(compile({ host: '127.0.0.1' }).tls).toBeUndefined();
    expect(compile({ host: 'localhost', tls: {} }).tls).toBeUndefined();
  });

  it('refuses combinations that cannot work, with INVALID_OPTION', () => {
    const bad: CoordinatorOptions[] = [
      { tls: { certFile: 'c.pem' } },
      { tls: { keyFile: 'k.pem' } },
      { tls: { auto: true, certFile: 'c.pem', keyFile: 'k.pem' } },
      { tls: { clientCaFile: 'ca.pem' } },
      { tls: { certFile: 'c.pem', keyFile: 'k.pem', names: ['a.example'] } },
      { tls: { auto: true }, insecureNoTls: true },
      { tls: { auto: 'yes' as unknown as boolean } },
      { tls: { auto: true, names: [''] } },
      { tls: { certFile: '', keyFile: 'k.pem' } },
      { insecureNoTls: 'yes' as unknown as boolean },
    ];
    for (const options of bad) expect({ options, code: codeOf(() => compile(options)) }).toEqual({ options, code: ErrorCode.INVALID_OPTION });
    expect(compile({ tls: { auto: true, names: ['a.example'], clientCaFile: 'ca.pem' } }).tls).toMatchObject({ names: ['a.example'] });
  });

  it('auto names: localhost, the host name, loopback, the bind address unless a wildcard, and the extra ones', () => {
    const host = os.hostname().toLowerCase();
    expect(autoNames('0.0.0.0')).toEqual(['localhost', host, '127.0.0.1', '::1']);
    expect(autoNames('[::]')).toEqual(['localhost', host, '127.0.0.1', '::1']);
    expect(autoNames('10.0.0.5', ['cohort.example'])).toEqual(['localhost', host, '127.0.0.1', '::1', '10.0.0.5', 'cohort.example']);
  });

  it('the auto directory: stateDir/tls, else $XDG_CONFIG_HOME/cohort/tls, else ~/.config/cohort/tls', () => {
    expect(autoTlsDir('/var/lib/cohort')).toBe('/var/lib/cohort/tls');
    expect(autoTlsDir(undefined, { XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/cohort/tls');
    expect(autoTlsDir(undefined, {})).toBe(`${os.homedir()}/.config/cohort/tls`);
  });
});
