/**
 * PEM files named by the operator (`--tls-cert`, `--tls-key`,
 * `--tls-client-ca`): read and parsed once at start. A file that cannot be
 * read or is not PEM is INVALID_OPTION naming the flag and the path, and
 * never what the file holds (it may be a key).
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { invalidOption, type Logger } from '@cohort/shared';

/** Read a PEM file: INVALID_OPTION naming `flag` when it cannot be read or holds no PEM block. */
export function readPemFile(flag: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalidOption(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  if (!text.includes('-----BEGIN ')) throw invalidOption(`${flag} ${path}: not a PEM file (no -----BEGIN line)`);
  return text;
}

/** The first certificate of a PEM text, parsed; INVALID_OPTION naming `flag` when it is none. */
export function parseCertificate(flag: string, path: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw invalidOption(`${flag} ${path}: holds no valid PEM certificate`);
  }
}

/** The private key of a PEM text; INVALID_OPTION naming `flag` when it is none (the key's bytes are never repeated). */
export function parsePrivateKey(flag: string, path: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw invalidOption(`${flag} ${path}: holds no valid PEM private key (an encrypted key is not supported)`);
  }
}

/** Whether a file can be read by its group or by others (mode bits; false where the mode says nothing, as on Windows). */
export function readableByOthers(path: string): boolean {
  if (process.platform === 'win32') return false;
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/** Warn (once, at start) when a key file is readable beyond its owner. */
export function warnIfKeyExposed(flag: string, path: string, log: Logger): void {
  if (!readableByOthers(path)) return;
  log.warn('tls key file readable by group or others', { flag, path, fix: `chmod 600 ${path}` });
}
