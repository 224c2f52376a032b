/**
 * `--tls auto`: a self-signed certificate made on first start and kept
 * (tls-dir.ts), reused on every later start so that its fingerprint, the
 * pin the agents hold, stays the same. It is made anew only when the kept
 * one is missing, unreadable, does not match its key, or has expired; a
 * warning then says the fingerprint changed.
 *
 * The directory is 0700 and the key 0600; both files are written to a
 * temporary name and renamed, so a crash never leaves half a key.
 */
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { CohortError, ErrorCode, fingerprintOf, type Logger } from '@cohort/shared';
import { worldReadableMode } from '@cohort/shared/internal';
import { createCertificate, type Certificate } from './certificates.js';
import { CERT_FILE, KEY_FILE } from './tls-dir.js';

export const AUTO_COMMON_NAME = 'cohort coordinator';

type Kept = { ok: true; certificate: Certificate; x509: X509Certificate } | { ok: false; reason: 'missing' | 'unreadable' | 'expired' };

/** The kept certificate in `dir`, or why there is none to reuse. */
export function readKept(dir: string, now = Date.now()): Kept {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(join(dir, CERT_FILE), 'utf8');
    key = readFileSync(join(dir, KEY_FILE), 'utf8');
  } catch (err) {
    return { ok: false, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable' };
  }
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return { ok: false, reason: 'unreadable' };
    if (Date.parse(x509.validTo) <= now) return { ok: false, reason: 'expired' };
    return { ok: true, certificate: { cert, key, fingerprint: fingerprintOf(cert) }, x509 };
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
}

/** The auto certificate for `names`, from `dir` or made there. */
export async function autoCertificate(dir: string, names: readonly string[], log: Logger): Promise<Certificate> {
  const kept = readKept(dir);
  if (kept.ok) {
    keepKeyPrivate(join(dir, KEY_FILE), log);
    const have = namesOf(kept.x509);
    const missing = names.filter((name) => !have.has(canonicalName(name)));
    if (missing.length > 0)
      log.info('tls auto certificate kept without some names', { dir, missing, remake: `delete ${dir} to make one with them (the fingerprint changes)` });
    return kept.certificate;
  }
  const made = await createCertificate({ commonName: AUTO_COMMON_NAME, names });
  writeKept(dir, made);
  if (kept.reason === 'missing') log.info('tls auto certificate created', { dir, fingerprint: made.fingerprint });
  else log.warn('tls auto certificate replaced: the fingerprint changed', { dir, reason: kept.reason, fingerprint: made.fingerprint });
  return made;
}

/** The DNS names and IP addresses of a certificate's subjectAltName, lower case. */
function namesOf(x509: X509Certificate): Set<string> {
  const alt = x509.subjectAltName ?? '';
  return new Set(alt.split(', ').map((entry) => canonicalName(entry.replace(/^(DNS|IP Address):/, ''))));
}

/** One spelling per name: lower case, IPv6 compressed (`0:0:0:0:0:0:0:1` is `::1`). */
function canonicalName(name: string): string {
  return isIP(name) === 6 ? new URL(`http://[${name}]`).hostname.slice(1, -1) : name.toLowerCase();
}

function writeKept(dir: string, made: Certificate): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    writeAtomic(join(dir, KEY_FILE), made.key, 0o600);
    writeAtomic(join(dir, CERT_FILE), made.cert, 0o644);
  } catch (err) {
    throw new CohortError(
      ErrorCode.INVALID_OPTION,
      `--tls auto: cannot keep the certificate in ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

function writeAtomic(path: string, text: string, mode: number): void {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, text, { mode, flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** The kept key is ours: put it back to 0600 if something made it readable by others (group read is left alone, as for any key file). */
function keepKeyPrivate(path: string, log: Logger): void {
  const mode = worldReadableMode(path);
  if (mode === undefined) return;
  try {
    chmodSync(path, 0o600);
    log.warn('tls auto key was readable by others; now 0600', { path, mode });
  } catch {
    log.warn('tls key file readable by others', { path, mode, fix: `chmod o-rwx ${path}` });
  }
}
