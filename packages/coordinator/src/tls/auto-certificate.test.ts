/**
 * The auto certificate's directory, in this process: two makers at once end
 * with one certificate that both serve, a lock left by a dead maker is taken
 * over, and a kept certificate near its end is warned about at start.
 */
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, fingerprintOf, silentLogger, type LogEntry } from '@cohort/shared';
import { DEFAULT_AUTO_LOCK_STALE_MS, DEFAULT_CERTIFICATE_WARN_DAYS } from '../options.js';
import { LOCK_FILE, autoCertificate, readKept } from './auto-certificate.js';
import { createCertificate } from './certificates.js';
import { CERT_FILE, KEY_FILE } from './tls-dir.js';

const tempDir = () => join(mkdtempSync(join(os.tmpdir(), 'cohort-auto-')), 'tls');
const NAMES = ['localhost', '127.0.0.1'];

function collect(): { log: ReturnType<typeof createLogger>; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { log: createLogger({ level: 'info', sink: (e) => entries.push(e) }), entries };
}

describe('--tls auto certificate', () => {
  it('two makers at once: one certificate on disk, and both serve it', async () => {
    const dir = tempDir();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => autoCertificate(dir, NAMES, silentLogger)));
    const onDisk = fingerprintOf(readFileSync(join(dir, CERT_FILE), 'utf8'));
    expect([a?.fingerprint, b?.fingerprint, c?.fingerprint]).toEqual([onDisk, onDisk, onDisk]);
    expect(readKept(dir)).toMatchObject({ ok: true, certificate: { fingerprint: onDisk } });
    expect(() => readFileSync(join(dir, LOCK_FILE))).toThrow(/ENOENT/); // released
  });

  it('a replaced (expired) certificate is made once however many start at once', async () => {
    const dir = tempDir();
    const first = await autoCertificate(dir, NAMES, silentLogger);
    const old = await createCertificate({ commonName: 'old', names: NAMES, notBefore: new Date(Date.now() - 3 * 86_400_000), days: 1 });
    writeFileSync(join(dir, CERT_FILE), old.cert);
    writeFileSync(join(dir, KEY_FILE), old.key, { mode: 0o600 });
    expect(readKept(dir)).toEqual({ ok: false, reason: 'expired' });
    const { log, entries } = collect();
    const [a, b] = await Promise.all([autoCertificate(dir, NAMES, log), autoCertificate(dir, NAMES, log)]);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(first.fingerprint);
    expect(entries.filter((e) => e.msg === 'tls auto certificate replaced: the fingerprint changed')).toHaveLength(1);
  });

  it('a lock left by a maker that died is taken over once stale', async () => {
    const dir = tempDir();
    await autoCertificate(dir, NAMES, silentLogger); // makes the directory
    writeFileSync(join(dir, CERT_FILE), 'gone');
    writeFileSync(join(dir, LOCK_FILE), '');
    const past = (Date.now() - DEFAULT_AUTO_LOCK_STALE_MS - 1000) / 1000;
    utimesSync(join(dir, LOCK_FILE), past, past);
    const { log, entries } = collect();
    const made = await autoCertificate(dir, NAMES, log);
    expect(made.fingerprint).toBe(fingerprintOf(readFileSync(join(dir, CERT_FILE), 'utf8')));
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'tls auto lock was stale; removed' }));
  });

  it(`warns at start when fewer than ${DEFAULT_CERTIFICATE_WARN_DAYS} days remain, and keeps the certificate`, async () => {
    const dir = tempDir();
    await autoCertificate(dir, NAMES, silentLogger);
    const soon = await createCertificate({ commonName: 'soon', names: NAMES, days: 10 });
    writeFileSync(join(dir, CERT_FILE), soon.cert);
    writeFileSync(join(dir, KEY_FILE), soon.key, { mode: 0o600 });
    const { log, entries } = collect();
    expect((await autoCertificate(dir, NAMES, log)).fingerprint).toBe(soon.fingerprint);
    const warning = entries.find((e) => e.msg === 'tls auto certificate expires soon');
    expect(warning).toMatchObject({ level: 'warn', fingerprint: soon.fingerprint });
    expect(warning?.daysLeft).toBeGreaterThanOrEqual(9);
    expect(warning?.daysLeft).toBeLessThanOrEqual(10);

    const { log: log2, entries: quiet } = collect();
    const fresh = await createCertificate({ commonName: 'fresh', names: NAMES, days: DEFAULT_CERTIFICATE_WARN_DAYS + 2 });
    writeFileSync(join(dir, CERT_FILE), fresh.cert);
    writeFileSync(join(dir, KEY_FILE), fresh.key, { mode: 0o600 });
    await autoCertificate(dir, NAMES, log2);
    expect(quiet.filter((e) => e.msg === 'tls auto certificate expires soon')).toEqual([]);
  });
});
