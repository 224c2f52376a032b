/**
 * `cohort tls fingerprint`: the pin of the coordinator's certificate, for
 * scripts (`docker compose exec coordinator cohort tls fingerprint
 * --state-dir /var/lib/cohort`): the auto certificate of a state directory
 * (or of the per-user config directory), or any PEM certificate file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TLS_CERT_FILE, autoTlsDir } from '@cohort/coordinator';
import { CohortError, ErrorCode, fingerprintOf } from '@cohort/shared';
import { COMMON_FLAGS } from '../args.js';

export const TLS_COMMAND_HELP = `cohort tls fingerprint [--state-dir DIR | --cert FILE]
  Prints sha256:HEX, the fingerprint agents and clients pin with --tls-fingerprint: of the certificate
  --tls auto keeps in DIR/tls (without --state-dir, in $XDG_CONFIG_HOME/cohort/tls or
  ~/.config/cohort/tls, as a coordinator started without one keeps it), or of a PEM file.`;

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
  const flag = values.cert !== undefined ? '--cert' : '--state-dir';
  const path = values.cert ?? join(autoTlsDir(values['state-dir']), TLS_CERT_FILE);
  process.stdout.write(`${fingerprintOfFile(flag, path)}\n`);
  return 0;
}

function fingerprintOfFile(flag: string, path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    const hint = flag === '--state-dir' && code === 'ENOENT' ? ': no auto certificate there yet (a coordinator started with --tls auto makes it)' : '';
    throw new CohortError(ErrorCode.INVALID_OPTION, `${flag}: cannot read ${path} (${code})${hint}`);
  }
  try {
    return fingerprintOf(pem);
  } catch {
    throw new CohortError(ErrorCode.INVALID_OPTION, `${flag}: ${path} holds no PEM certificate`);
  }
}
