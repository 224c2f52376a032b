/**
 * `cohort coordinator`'s TLS flags and the lines it prints about TLS:
 *
 *   stdout  cohort coordinator listening on wss://HOST:PORT
 *           cohort coordinator tls fingerprint sha256:…
 *   stderr  cohort coordinator join: cohort agent --connect wss://HOST:PORT --tls-fingerprint sha256:… --token-file FILE
 *
 * The join line is for pasting onto an agent host: the literal word FILE
 * stands for the file there (the token's, the CA's); the token itself is
 * never printed. The auto certificate is pinned; a certificate from files
 * is not (a renewal would break the pin): the line names its first DNS name
 * and `--tls-ca FILE`, or no trust at all when a public CA issued it.
 */
import { X509Certificate } from 'node:crypto';
import os from 'node:os';
import { rootCertificates } from 'node:tls';
import { isWildcardHost, type Coordinator, type CoordinatorOptions } from '@cohort/coordinator';
import { CohortError, ErrorCode } from '@cohort/shared';
import { externalIPv4 } from '@cohort/shared/internal';

export const TLS_FLAGS = {
  tls: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-name': { type: 'string', multiple: true },
  'tls-client-ca': { type: 'string' },
  'insecure-no-tls': { type: 'boolean' },
} as const;

export const TLS_HELP = `  TLS: --tls auto makes a self-signed certificate on first start (for localhost, this host's name,
  loopback, the bind address and each --tls-name) and keeps it in --state-dir/tls, or without one in
  $XDG_CONFIG_HOME/cohort/tls (~/.config/cohort/tls), so its fingerprint, printed on start, stays the
  same; --tls-cert and --tls-key serve your own (PEM). --tls-client-ca requires clients and agents to
  present a certificate signed by that CA (mutual TLS). Binding beyond loopback requires a token and
  TLS; --insecure-no-tls allows plain ws:// there, on a private network (logged as a warning).`;

interface TlsValues {
  tls?: string | undefined;
  'tls-cert'?: string | undefined;
  'tls-key'?: string | undefined;
  'tls-name'?: string[] | undefined;
  'tls-client-ca'?: string | undefined;
  'insecure-no-tls'?: boolean | undefined;
}

/** The flags → `tls` and `insecureNoTls` (their combinations are checked by the coordinator's compileOptions). */
export function tlsOptions(values: TlsValues): Pick<CoordinatorOptions, 'tls' | 'insecureNoTls'> {
  if (values.tls !== undefined && values.tls !== 'auto') {
    throw new CohortError(
      ErrorCode.INVALID_OPTION,
      `--tls takes one value, auto (or pass --tls-cert and --tls-key), got ${JSON.stringify(values.tls.slice(0, 100))}`,
    );
  }
  const tls = {
    ...(values.tls === 'auto' && { auto: true }),
    ...(values['tls-cert'] !== undefined && { certFile: values['tls-cert'] }),
    ...(values['tls-key'] !== undefined && { keyFile: values['tls-key'] }),
    ...(values['tls-name'] !== undefined && { names: values['tls-name'] }),
    ...(values['tls-client-ca'] !== undefined && { clientCaFile: values['tls-client-ca'] }),
  };
  return { ...(Object.keys(tls).length > 0 && { tls }), ...(values['insecure-no-tls'] && { insecureNoTls: true }) };
}

/** The host to put in the join line: the bind address, or for a wildcard bind this machine's first external IPv4 (else its name). */
export function joinHost(host: string, interfaces = os.networkInterfaces(), hostname = os.hostname()): string {
  return isWildcardHost(host) ? (externalIPv4(interfaces) ?? hostname) : host;
}

type Running = Pick<Coordinator, 'host' | 'port' | 'url' | 'tlsFingerprint' | 'tlsSource' | 'tlsCertificate' | 'options'>;

/** What `cohort coordinator` prints on start, after 'listening on': stdout lines and stderr lines. */
export function startLines(coordinator: Running): { stdout: string[]; stderr: string[] } {
  const o = coordinator.options;
  const join = [`cohort agent --connect ${joinTarget(coordinator)}`];
  if (coordinator.tlsSource === 'auto') join.push(`--tls-fingerprint ${coordinator.tlsFingerprint}`);
  if (coordinator.tlsSource === 'files' && !publicCaIssued(coordinator.tlsCertificate)) join.push('--tls-ca FILE');
  if (o.tls?.clientCaFile !== undefined) join.push('--tls-cert FILE --tls-key FILE');
  if (o.token || o.tokenFile || o.agentToken || o.agentTokenFile) join.push('--token-file FILE');
  return {
    stdout: coordinator.tlsFingerprint ? [`cohort coordinator tls fingerprint ${coordinator.tlsFingerprint}`] : [],
    stderr: [`cohort coordinator join: ${join.join(' ')}`],
  };
}

/** ws://HOST:PORT, or wss:// with TLS; with a certificate from files, HOST is its first DNS name (what it is valid for). */
function joinTarget(c: Running): string {
  if (!c.tlsSource) return `ws://${joinHost(c.host)}:${c.port}`;
  const named = c.tlsSource === 'files' ? firstDnsName(c.tlsCertificate) : undefined;
  return `wss://${named ?? joinHost(c.host)}:${c.port}`;
}

/** The first DNS name (not a wildcard) of the leaf certificate's subjectAltName. */
export function firstDnsName(pem: string | undefined): string | undefined {
  const leaf = certificatesOf(pem)[0];
  const names = (leaf?.subjectAltName ?? '').split(', ').filter((entry) => entry.startsWith('DNS:'));
  return names.map((entry) => entry.slice(4)).find((name) => name.length > 0 && !name.includes('*'));
}

/** Whether the chain ends at (or is issued by) one of Node's public roots: then clients need no --tls-ca. */
export function publicCaIssued(pem: string | undefined): boolean {
  const top = certificatesOf(pem).at(-1);
  if (top === undefined) return false;
  return rootCertificates.some((root) => {
    const x509 = new X509Certificate(root);
    return x509.fingerprint256 === top.fingerprint256 || (top.checkIssued(x509) && top.verify(x509.publicKey));
  });
}

function certificatesOf(pem: string | undefined): X509Certificate[] {
  const blocks = pem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    return [];
  }
}
