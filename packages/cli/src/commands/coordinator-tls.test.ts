import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCertificate, withDefaults } from '@cohort/coordinator';
import { ErrorCode } from '@cohort/shared';
import { codeOf } from '../../../../test/helpers/code-of.js';
import { firstDnsName, joinHost, publicCaIssued, startLines, tlsOptions } from './coordinator-tls.js';
import { tlsCommand } from './tls.js';

const FP = `sha256:${'ab'.repeat(32)}`;
const running = (
  over: Parameters<typeof withDefaults>[0],
  tlsFingerprint: string | undefined,
  host = '127.0.0.1',
  files?: { cert: string },
): Parameters<typeof startLines>[0] => ({
  host,
  port: 7443,
  url: `${tlsFingerprint ? 'wss' : 'ws'}://${host}:7443`,
  tlsFingerprint,
  tlsSource: files ? 'files' : tlsFingerprint ? 'auto' : undefined,
  tlsCertificate: files?.cert,
  options: withDefaults({ env: {}, ...over }),
});

describe('cohort coordinator TLS flags and lines', () => {
  it('--tls takes only auto; the flags become tls and insecureNoTls', () => {
    expect(tlsOptions({})).toEqual({});
    expect(tlsOptions({ tls: 'auto', 'tls-name': ['a.example'] })).toEqual({ tls: { auto: true, names: ['a.example'] } });
    expect(tlsOptions({ 'tls-cert': 'c', 'tls-key': 'k', 'tls-client-ca': 'ca' })).toEqual({ tls: { certFile: 'c', keyFile: 'k', clientCaFile: 'ca' } });
    expect(tlsOptions({ 'insecure-no-tls': true })).toEqual({ insecureNoTls: true });
    for (const value of ['yes', 'on', '', 'AUTO']) expect(codeOf(() => tlsOptions({ tls: value }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('with TLS: the fingerprint line on stdout, and a join line with the pin and FILE, never the token', () => {
    const lines = startLines(running({ token: 'hunter2', tls: { auto: true } }, FP));
    expect(lines.stdout).toEqual([`cohort coordinator tls fingerprint ${FP}`]);
    expect(lines.stderr).toEqual([`cohort coordinator join: cohort agent --connect wss://127.0.0.1:7443 --tls-fingerprint ${FP} --token-file FILE`]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('without TLS or token: no fingerprint line, a plain join line; with mutual TLS the agent is told to bring a certificate', () => {
    expect(startLines(running({}, undefined))).toEqual({ stdout: [], stderr: ['cohort coordinator join: cohort agent --connect ws://127.0.0.1:7443'] });
    const mtls = startLines(running({ token: 't', tls: { auto: true, clientCaFile: 'ca.pem' } }, FP));
    expect(mtls.stderr[0]).toContain('--tls-cert FILE --tls-key FILE --token-file FILE');
  });

  it('a certificate from files is not pinned (a renewal changes the pin): its first DNS name, and --tls-ca FILE unless a public CA issued it', async () => {
    const ca = await createCertificate({ commonName: 'test CA', ca: true });
    const leaf = await createCertificate({ commonName: 'c', names: ['*.example.net', 'cohort.example.com', '10.0.0.7'], issuer: ca });
    const files = { 'tls-cert': 'c', 'tls-key': 'k' } as const;
    const lines = startLines(running({ token: 't', ...tlsOptions(files), host: '0.0.0.0' }, leaf.fingerprint, '0.0.0.0', leaf));
    expect(lines.stderr).toEqual(['cohort coordinator join: cohort agent --connect wss://cohort.example.com:7443 --tls-ca FILE --token-file FILE']);
    expect(lines.stdout).toEqual([`cohort coordinator tls fingerprint ${leaf.fingerprint}`]); // still printed, for whoever wants to pin
    expect(firstDnsName(leaf.cert)).toBe('cohort.example.com');
    expect(publicCaIssued(`${leaf.cert}\n${ca.cert}`)).toBe(false);

    // No DNS name: the bind address; a public root (Node's own list) needs no --tls-ca.
    const ipOnly = await createCertificate({ commonName: 'c', names: ['192.168.1.9'], issuer: ca });
    expect(startLines(running({ ...tlsOptions(files), host: '192.168.1.9' }, ipOnly.fingerprint, '192.168.1.9', ipOnly)).stderr[0]).toBe(
      'cohort coordinator join: cohort agent --connect wss://192.168.1.9:7443 --tls-ca FILE',
    );
    const publicRoot = rootCertificates[0]!;
    expect(publicCaIssued(publicRoot)).toBe(true);
    expect(startLines(running({ ...tlsOptions(files) }, 'sha256:x', '127.0.0.1', { cert: publicRoot })).stderr[0]).toBe(
      'cohort coordinator join: cohort agent --connect wss://127.0.0.1:7443',
    );
  });

  it('a wildcard bind joins at the first external IPv4, else the host name', () => {
    const nic = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') =>
      ({ address, internal, family, netmask: '', mac: '', cidr: null }) as os.NetworkInterfaceInfo;
    const interfaces = { lo: [nic('127.0.0.1', true)], eth0: [nic('fe80::1', false, 'IPv6'), nic('10.0.0.7', false)] };
    expect(joinHost('0.0.0.0', interfaces, 'box')).toBe('10.0.0.7');
    expect(joinHost('[::]', interfaces, 'box')).toBe('10.0.0.7');
    expect(joinHost('0.0.0.0', { lo: [nic('127.0.0.1', true)] }, 'box')).toBe('box');
    expect(joinHost('192.168.1.9', interfaces, 'box')).toBe('192.168.1.9');
  });
});

describe('cohort tls fingerprint', () => {
  const out: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
  });
  const capture = () =>
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });

  it('prints the pin of the auto certificate in --state-dir, or of a PEM file; refuses what it cannot read', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'cohort-tls-cli-'));
    const made = await createCertificate({ commonName: 'x', names: ['localhost'] });
    mkdirSync(join(dir, 'tls'));
    writeFileSync(join(dir, 'tls', 'cert.pem'), made.cert);
    writeFileSync(join(dir, 'tls', 'key.pem'), made.key, { mode: 0o600 });
    capture();
    expect(await tlsCommand(['fingerprint', '--state-dir', dir])).toBe(0);
    expect(await tlsCommand(['fingerprint', '--cert', join(dir, 'tls', 'cert.pem')])).toBe(0);
    expect(out).toEqual([`${made.fingerprint}\n`, `${made.fingerprint}\n`]);
    writeFileSync(join(dir, 'junk.pem'), 'nothing');
    // The certificate alone (its key gone) would be replaced at the next start: its pin is not printed.
    const certOnly = mkdtempSync(join(os.tmpdir(), 'cohort-tls-cli-'));
    mkdirSync(join(certOnly, 'tls'));
    writeFileSync(join(certOnly, 'tls', 'cert.pem'), made.cert);
    for (const argv of [
      ['fingerprint', '--state-dir', join(dir, 'none')],
      ['fingerprint', '--state-dir', certOnly],
      ['fingerprint', '--cert', join(dir, 'junk.pem')],
      ['other'],
      ['fingerprint', '--cert', 'a', '--state-dir', 'b'],
    ]) {
      const err = await tlsCommand(argv).then(
        () => 'no error',
        (e: { code: string }) => e.code,
      );
      expect(err).toBe(ErrorCode.INVALID_OPTION);
    }
    expect(out).toHaveLength(2);
  });

  it('reads the kept certificate as the coordinator does: an expired or mismatched one is refused as to be replaced; one near its end is noted', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'cohort-tls-cli-'));
    mkdirSync(join(dir, 'tls'));
    const keep = (c: { cert: string; key: string }) => {
      writeFileSync(join(dir, 'tls', 'cert.pem'), c.cert);
      writeFileSync(join(dir, 'tls', 'key.pem'), c.key, { mode: 0o600 });
    };
    const refusal = () =>
      tlsCommand(['fingerprint', '--state-dir', dir]).then(
        () => undefined,
        (e: { code: string; message: string; details?: { reason?: string } }) => e,
      );
    const expired = await createCertificate({ commonName: 'x', names: ['localhost'], notBefore: new Date(Date.now() - 3 * 86_400_000), days: 1 });
    keep(expired);
    capture();
    expect(await refusal()).toMatchObject({ code: ErrorCode.INVALID_OPTION, details: { reason: 'expired' } });
    expect((await refusal())?.message).toContain('replaces it');
    const other = await createCertificate({ commonName: 'y', names: ['localhost'] });
    keep({ cert: other.cert, key: expired.key });
    expect(await refusal()).toMatchObject({ details: { reason: 'unreadable' } });
    expect(out).toEqual([]);

    const soon = await createCertificate({ commonName: 'z', names: ['localhost'], days: 5 });
    keep(soon);
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    expect(await tlsCommand(['fingerprint', '--state-dir', dir])).toBe(0);
    expect(out).toEqual([`${soon.fingerprint}\n`]);
    expect(err.join('')).toMatch(/expires in [45] days/);
  });
});
