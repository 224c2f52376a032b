/**
 * `cohort tls fingerprint`: the pin of the coordinator's certificate, for
 * scripts (`docker compose exec coordinator cohort tls fingerprint
 * --state-dir /var/lib/cohort`): the auto certificate of a state directory
 * (or of the per-user config directory), or any PEM certificate file.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CERTIFICATE_WARN_DAYS, autoTlsDir, daysLeftOf, readAutoCertificate } from '@cohort/coordinator';
import { CohortError, ErrorCode, fingerprintOf } from '@cohort/shared';
import { COMMON_FLAGS } from '../args.js';

export const TLS_COMMAND_HELP = `cohort tls fingerprint [--state-dir DIR | --cert FILE]
  Prints sha256:HEX, the fingerprint agents and clients pin with --tls-fingerprint: of the certificate
  --tls auto keeps in DIR/tls (without --state-dir, in $XDG_CONFIG_HOME/cohort/tls or
  ~/.config/cohort/tls, as a coordinator started without one keeps it), or of a PEM file. A kept
  certificate the next start would replace (expired, unreadable, not matching its key) is refused,
  and one with fewer than ${DEFAULT_CERTIFICATE_WARN_DAYS} days left is noted on stderr.`;

const FLAGS = {
  'state-dir': { type: 'string' },
  cert: { type: 'string' },
  ...COMMON_FLAGS,
} as const;

export async function tlsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true });
  if (values.help) {
    process.stdout.write(`${TLS_COMMAND_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'fingerprint') {
    throw new CohortError(ErrorCode.INVALID_OPTION, `cohort tls takes one verb, fingerprint\n\n${TLS_COMMAND_HELP}`);
  }
  if (values['state-dir'] !== undefined && values.cert !== undefined) {
    throw new CohortError(ErrorCode.INVALID_OPTION, '--state-dir and --cert conflict: pass one');
  }
  if (values.cert !== undefined) {
    process.stdout.write(`${fingerprintOfFile('--cert', values.cert)}\n`);
    return 0;
  }
  process.stdout.write(`${keptFingerprint(autoTlsDir(values['state-dir']))}\n`);
  return 0;
}

const WHY_REPLACED = {
  missing: 'no auto certificate there yet (a coordinator started with --tls auto makes it)',
  unreadable: 'the certificate there cannot be read or does not match its key',
  expired: 'the certificate there has expired',
} as const;

/**
 * The pin of the auto certificate in `dir`, read as the coordinator reads it (readAutoCertificate): one it would
 * replace at its next start is refused (its pin would be wrong), and one near its end is noted on stderr.
 */
function keptFingerprint(dir: string): string {
  const kept = readAutoCertificate(dir);
  if (!kept.ok) {
    const next = kept.reason === 'missing' ? '' : ': the next coordinator start with --tls auto replaces it, and the fingerprint changes';
    throw new CohortError(ErrorCode.INVALID_OPTION, `--state-dir: ${WHY_REPLACED[kept.reason]} in ${dir}${next}`, { details: { reason: kept.reason } });
  }
  const daysLeft = daysLeftOf(kept.x509);
  if (daysLeft < DEFAULT_CERTIFICATE_WARN_DAYS) {
    process.stderr.write(
      `cohort tls: the certificate in ${dir} expires in ${daysLeft} days (${kept.x509.validTo}); once expired, the next coordinator start replaces it and the fingerprint changes\n`,
    );
  }
  return kept.certificate.fingerprint;
}

function fingerprintOfFile(flag: string, path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CohortError(ErrorCode.INVALID_OPTION, `${flag}: cannot read ${path} (${code})`);
  }
  try {
    return fingerprintOf(pem);
  } catch {
    throw new CohortError(ErrorCode.INVALID_OPTION, `${flag}: ${path} holds no PEM certificate`);
  }
}
