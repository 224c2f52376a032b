/**
 * The coordinator's TLS, resolved at start from its options: the
 * certificate and key (PEM files, or the auto certificate), the client CA
 * for mutual TLS, and the fingerprint printed for pinning. Also the one
 * start-up warning for `--insecure-no-tls` beyond loopback.
 */
import os from 'node:os';
import { fingerprintOf, invalidOption, isLoopbackHost, type Logger } from '@cohort/shared';
import type { CompiledCoordinatorOptions } from '../options.js';
import { autoCertificate } from './auto-certificate.js';
import { parseCertificate, parsePrivateKey, readPemFile, warnIfKeyExposed } from './pem-files.js';
import { autoTlsDir } from './tls-dir.js';

export interface ServerTls {
  /** PEM: the certificate and its chain. */
  cert: string;
  /** PEM */
  key: string;
  /** PEM bundle: with it, clients must present a certificate it signed (mutual TLS). */
  clientCa: string | undefined;
  /** `sha256:HEX` of the (first) certificate: the pin. */
  fingerprint: string;
  source: 'auto' | 'files';
}

/** The bind addresses that mean every interface (no address to connect or browse to); the one list, used by the CLI too. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

export function isWildcardHost(host: string): boolean {
  return WILDCARDS.has(host);
}

/** The names the auto certificate is made for: localhost, this host's name, loopback, the bind address unless a wildcard, and the extra ones. */
export function autoNames(host: string, extra: readonly string[] = []): string[] {
  const bind = host.replace(/^\[(.*)\]$/, '$1');
  const names = ['localhost', os.hostname(), '127.0.0.1', '::1', ...(isWildcardHost(bind) ? [] : [bind]), ...extra];
  return [...new Set(names.filter((n) => n.length > 0).map((n) => n.toLowerCase()))];
}

/** The TLS the server runs with, or undefined without TLS (then the insecure-bind warning, if it applies). */
export async function loadServerTls(options: CompiledCoordinatorOptions, log: Logger): Promise<ServerTls | undefined> {
  const tls = options.tls;
  if (tls === undefined) {
    if (options.insecureNoTls && !isLoopbackHost(options.host)) {
      log.warn('serving without TLS beyond loopback', { host: options.host, flag: '--insecure-no-tls' });
    }
    return undefined;
  }
  const clientCa = tls.clientCaFile === undefined ? undefined : readClientCa(tls.clientCaFile);
  if (tls.auto) {
    const made = await autoCertificate(autoTlsDir(options.stateDir), autoNames(options.host, tls.names), log);
    return { cert: made.cert, key: made.key, clientCa, fingerprint: made.fingerprint, source: 'auto' };
  }
  return { ...readPair(tls.certFile!, tls.keyFile!, log), clientCa, source: 'files' };
}

function readPair(certFile: string, keyFile: string, log: Logger): Pick<ServerTls, 'cert' | 'key' | 'fingerprint'> {
  const cert = readPemFile('--tls-cert', certFile);
  const x509 = parseCertificate('--tls-cert', certFile, cert);
  const key = readPemFile('--tls-key', keyFile);
  if (!x509.checkPrivateKey(parsePrivateKey('--tls-key', keyFile, key))) {
    throw invalidOption(`--tls-key ${keyFile} is not the key of --tls-cert ${certFile}`);
  }
  warnIfKeyExposed('--tls-key', keyFile, log);
  if (Date.parse(x509.validTo) <= Date.now()) log.warn('tls certificate expired', { certFile, validTo: x509.validTo });
  return { cert, key, fingerprint: fingerprintOf(cert) };
}

function readClientCa(path: string): string {
  const pem = readPemFile('--tls-client-ca', path);
  parseCertificate('--tls-client-ca', path, pem);
  return pem;
}

/** The 'coordinator listening' log's TLS fields: off, or the fingerprint, where the certificate came from, and whether clients must present one. */
export function tlsLogFields(tls: ServerTls | undefined): Record<string, unknown> {
  if (!tls) return { tls: 'off' };
  return { tls: 'on', fingerprint: tls.fingerprint, source: tls.source, mtls: tls.clientCa !== undefined };
}
