/**
 * PEM files named by the operator, for both sides: a client's `--tls-ca`,
 * `--tls-cert` and `--tls-key` (or COHORT_TLS_CA), the coordinator's
 * `--tls-cert`, `--tls-key` and `--tls-client-ca`. Read at most
 * MAX_PEM_FILE_BYTES; a file that cannot be read, is not the PEM it should
 * be, or (a key pair) whose key does not match its certificate is
 * INVALID_OPTION naming the flag and the path, never what the file holds (it
 * may be a key).
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { CohortError, ErrorCode } from '../errors.js';
import { readBoundedFile } from './bounded-file.js';

/** A PEM file larger than this is not a certificate bundle or a key. */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;

function invalid(message: string): CohortError {
  return new CohortError(ErrorCode.INVALID_OPTION, message);
}

/** What `-----BEGIN …-----` must end with: 'CERTIFICATE', 'PRIVATE KEY', or '' for any PEM block. */
export type PemLabel = 'CERTIFICATE' | 'PRIVATE KEY' | '';

/** A PEM file's text: INVALID_OPTION naming `flag` and `path` when it cannot be read or holds no `-----BEGIN …LABEL-----`. */
export function readPemFile(flag: string, path: string, label: PemLabel = ''): string {
  const text = readBoundedFile(path, MAX_PEM_FILE_BYTES, `${flag} ${JSON.stringify(path)}`);
  if (!new RegExp(`-----BEGIN [A-Z0-9 ]*${label}-----`).test(text)) {
    const what = label === '' ? 'no PEM block' : `no PEM ${label.toLowerCase()}`;
    throw invalid(`${flag} ${JSON.stringify(path)} holds ${what} (-----BEGIN ${label || '…'}-----)`);
  }
  return text;
}

/** The first certificate of a PEM text, parsed; INVALID_OPTION naming `flag` when it is none. */
export function parseCertificate(flag: string, path: string, pem: string): X509Certificate {
  return certificateOf(`${flag} ${JSON.stringify(path)}`, pem);
}

/** The private key of a PEM text; INVALID_OPTION naming `flag` when it is none (the key's bytes are never repeated). */
export function parsePrivateKey(flag: string, path: string, pem: string): KeyObject {
  return privateKeyOf(`${flag} ${JSON.stringify(path)}`, pem);
}

function certificateOf(from: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw invalid(`${from} holds no valid PEM certificate`);
  }
}

function privateKeyOf(from: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw invalid(`${from} holds no valid PEM private key (an encrypted key is not supported)`);
  }
}

/**
 * The certificate of `cert` (PEM texts), once checked that `key` is its private key: INVALID_OPTION otherwise.
 * `certFrom` and `keyFrom` say where each came from (a flag and its path, or an option's name).
 */
export function checkKeyPair(cert: string, key: string, certFrom: string, keyFrom: string): X509Certificate {
  const x509 = certificateOf(certFrom, cert);
  if (!x509.checkPrivateKey(privateKeyOf(keyFrom, key))) throw invalid(`${keyFrom} is not the private key of ${certFrom}`);
  return x509;
}

export interface KeyPair {
  /** PEM text of the certificate (or chain, leaf first). */
  cert: string;
  /** PEM text of its private key. */
  key: string;
  /** The leaf certificate, parsed. */
  x509: X509Certificate;
}

/** A certificate file and its key file, read and checked to belong together; INVALID_OPTION naming the flag that is wrong. */
export function readKeyPair(certFlag: string, certPath: string, keyFlag: string, keyPath: string): KeyPair {
  const cert = readPemFile(certFlag, certPath, 'CERTIFICATE');
  const key = readPemFile(keyFlag, keyPath, 'PRIVATE KEY');
  const x509 = checkKeyPair(cert, key, `${certFlag} ${JSON.stringify(certPath)}`, `${keyFlag} ${JSON.stringify(keyPath)}`);
  return { cert, key, x509 };
}
