/**
 * Where `--tls auto` keeps its certificate: `<stateDir>/tls`, or without a
 * state directory the per-user config directory,
 * `$XDG_CONFIG_HOME/cohort/tls` (else `~/.config/cohort/tls`). The same
 * directory on the next start means the same certificate, so the pin an
 * agent holds survives restarts.
 */
import os from 'node:os';
import { isAbsolute, join } from 'node:path';

export const TLS_DIR = 'tls';
export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';

export function autoTlsDir(stateDir: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (stateDir !== undefined) return join(stateDir, TLS_DIR);
  const xdg = env.XDG_CONFIG_HOME;
  const config = xdg && isAbsolute(xdg) ? xdg : join(os.homedir(), '.config');
  return join(config, 'cohort', TLS_DIR);
}
