/**
 * `--tls auto`: a self-signed certificate made on first start and kept
 * (tls-dir.ts), reused on every later start so that its fingerprint, the
 * pin the agents hold, stays the same. It is made anew only when the kept
 * one is missing, unreadable, does not match its key, or has expired; a
 * warning then says the fingerprint changed.
 *
 * The directory is 0700 and the key 0600; both files are written to a
 * temporary name and renamed, so a crash never leaves half a key. Two
 * coordinators starting at once on one directory (the per-user one, without
 * --state-dir) make it one at a time: the maker holds `.lock` (created
 * exclusively), the other waits, then reads what was kept; each serves what
 * it reads back from disk. A kept certificate with fewer than
 * DEFAULT_CERTIFICATE_WARN_DAYS left is warned about at start.
 */
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CohortError, ErrorCode, fingerprintOf, type Logger } from '@cohort/shared';
import { DEFAULT_AUTO_LOCK_STALE_MS, DEFAULT_CERTIFICATE_WARN_DAYS } from '../options.js';
import { worldReadableMode } from '@cohort/shared/internal';
import { createCertificate, type Certificate } from './certificates.js';
import { CERT_FILE, KEY_FILE } from './tls-dir.js';

export const AUTO_COMMON_NAME = 'cohort coordinator';
/** Held (created exclusively) while a coordinator makes the certificate in the directory. */
export const LOCK_FILE = '.lock';
const DAY_MS = 86_400_000;
const LOCK_POLL_MS = 20;

/** The certificate kept in a directory, or why a coordinator starting with --tls auto would make a new one. */
export type Kept = { ok: true; certificate: Certificate; x509: X509Certificate } | { ok: false; reason: 'missing' | 'unreadable' | 'expired' };

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

/** The auto certificate for `names`, from `dir` or made there (one maker at a time: `.lock`). */
export async function autoCertificate(dir: string, names: readonly string[], log: Logger): Promise<Certificate> {
  const kept = readKept(dir);
  if (kept.ok) return reuse(dir, kept, names, log);
  makeDir(dir);
  const release = await lock(dir, log);
  try {
    const again = readKept(dir); // another coordinator may have made it while this one waited
    if (again.ok) return reuse(dir, again, names, log);
    const made = await createCertificate({ commonName: AUTO_COMMON_NAME, names });
    writeKept(dir, made);
    const written = readKept(dir);
    if (!written.ok) throw cannotKeep(dir, `the certificate written could not be read back (${written.reason})`);
    if (again.reason === 'missing') log.info('tls auto certificate created', { dir, fingerprint: written.certificate.fingerprint });
    else log.warn('tls auto certificate replaced: the fingerprint changed', { dir, reason: again.reason, fingerprint: written.certificate.fingerprint });
    return written.certificate;
  } finally {
    release();
  }
}

/** The kept certificate, with its names checked and its expiry warned about when near. */
function reuse(dir: string, kept: Extract<Kept, { ok: true }>, names: readonly string[], log: Logger): Certificate {
  keepKeyPrivate(join(dir, KEY_FILE), log);
  const have = namesOf(kept.x509);
  const missing = names.filter((name) => !have.has(canonicalName(name)));
  if (missing.length > 0)
    log.info('tls auto certificate kept without some names', { dir, missing, remake: `delete ${dir} to make one with them (the fingerprint changes)` });
  const daysLeft = daysLeftOf(kept.x509);
  if (daysLeft < DEFAULT_CERTIFICATE_WARN_DAYS) {
    log.warn('tls auto certificate expires soon', {
      dir,
      daysLeft,
      validTo: kept.x509.validTo,
      fingerprint: kept.certificate.fingerprint,
      next: 'once expired, the next start makes a new one and the fingerprint changes: delete the directory and restart at a time of your choosing, then give agents the new pin',
    });
  }
  return kept.certificate;
}

/** Whole days until the certificate expires (0 on its last day). */
export function daysLeftOf(x509: X509Certificate, now = Date.now()): number {
  return Math.max(0, Math.floor((Date.parse(x509.validTo) - now) / DAY_MS));
}

/**
 * Take `dir/.lock` (created exclusively); wait while another coordinator holds it. A lock older than
 * DEFAULT_AUTO_LOCK_STALE_MS was left by a maker that died: it is removed. Bounded: at most a few stale periods.
 */
async function lock(dir: string, log: Logger): Promise<() => void> {
  const path = join(dir, LOCK_FILE);
  const maxPolls = Math.ceil((2 * DEFAULT_AUTO_LOCK_STALE_MS) / LOCK_POLL_MS) + 2;
  for (let i = 0; i < maxPolls; i++) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotKeep(dir, (err as NodeJS.ErrnoException).code ?? (err as Error).message, err);
    }
    if (lockAgeMs(path) > DEFAULT_AUTO_LOCK_STALE_MS) {
      log.warn('tls auto lock was stale; removed', { path });
      rmSync(path, { force: true });
      continue;
    }
    await sleep(LOCK_POLL_MS);
  }
  throw cannotKeep(dir, `another coordinator holds ${path}`);
}

function lockAgeMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0; // gone meanwhile: the next attempt takes it
  }
}

function cannotKeep(dir: string, why: string, cause?: unknown): CohortError {
  return new CohortError(ErrorCode.INVALID_OPTION, `--tls auto: cannot keep the certificate in ${dir}: ${why}`, { cause });
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

function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (err) {
    throw cannotKeep(dir, (err as NodeJS.ErrnoException).code ?? (err as Error).message, err);
  }
}

function writeKept(dir: string, made: Certificate): void {
  try {
    writeAtomic(join(dir, KEY_FILE), made.key, 0o600);
    writeAtomic(join(dir, CERT_FILE), made.cert, 0o644);
  } catch (err) {
    throw cannotKeep(dir, (err as NodeJS.ErrnoException).code ?? (err as Error).message, err);
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
