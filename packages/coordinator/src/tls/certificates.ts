/**
 * X.509 certificates made here, with `selfsigned` (Node can parse
 * certificates but not create them): the coordinator's `--tls auto`
 * certificate, and the tests' CA, server, client and expired certificates.
 * Keys are ECDSA P-256 (fast handshakes); signatures SHA-256.
 */
import { isIP } from 'node:net';
import type { CertificateExtension } from 'selfsigned';
import { fingerprintOf } from '@cohort/shared';
import { DEFAULT_CERTIFICATE_DAYS } from '../options.js';

export interface CertificateRequest {
  /** The subject's common name. */
  commonName: string;
  /** Host names and IP addresses the certificate is for (its subjectAltName). */
  names?: readonly string[];
  /** Valid from (default an hour ago, for clocks a little behind). */
  notBefore?: Date;
  /** Valid until (default `days` after notBefore). */
  notAfter?: Date;
  /** Default 825. */
  days?: number;
  /** A CA certificate (it signs others). */
  ca?: boolean;
  /** For a TLS client (mutual TLS) rather than a server. */
  client?: boolean;
  /** Signed by this CA; self-signed without. */
  issuer?: { cert: string; key: string };
}

export interface Certificate {
  /** PEM */
  cert: string;
  /** PEM (PKCS#8) */
  key: string;
  /** `sha256:HEX` */
  fingerprint: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export async function createCertificate(request: CertificateRequest): Promise<Certificate> {
  const notBefore = request.notBefore ?? new Date(Date.now() - HOUR_MS);
  const notAfter = request.notAfter ?? new Date(notBefore.getTime() + (request.days ?? DEFAULT_CERTIFICATE_DAYS) * DAY_MS);
  // Loaded here, not at the top: it costs about 0.2 s of CPU, which a coordinator without --tls auto (and every test that starts one) need not pay.
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: request.commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: extensionsFor(request),
    ...(request.issuer && { ca: { cert: request.issuer.cert, key: request.issuer.key } }),
  });
  return { cert: pems.cert, key: pems.private, fingerprint: fingerprintOf(pems.cert) };
}

function extensionsFor(request: CertificateRequest): CertificateExtension[] {
  if (request.ca) {
    return [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ];
  }
  const altNames = (request.names ?? []).map((name) => (isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name }));
  return [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', ...(request.client ? { clientAuth: true } : { serverAuth: true }) },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName' as const, altNames }] : []),
  ];
}
