/**
 * The one permission check for files that hold secrets (token files, TLS
 * key files, the auto certificate's key): warn when anyone on the host may
 * read one. Group read is left alone on purpose: a service account reading
 * a root-owned file through its group (`install -m 0640 -o root -g cohort`)
 * is the documented setup, and `chmod 600` would lock the service out. The
 * warning names the file and its mode, never what it holds.
 */
import { statSync } from 'node:fs';
import type { Logger } from '../log.js';

/** The permission bit that lets every account on the host read a file. */
const WORLD_READABLE = 0o004;

/** The mode (`0644`) of `path` when others may read it; undefined when not, when it cannot be stat'ed, or where modes say nothing (Windows). */
export function worldReadableMode(path: string): string | undefined {
  if (process.platform === 'win32') return undefined;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return undefined;
  }
  return (mode & WORLD_READABLE) === 0 ? undefined : `0${(mode & 0o777).toString(8)}`;
}

/**
 * Warn with `message` (a fixed string: 'token file readable by others'…) when the secret file `path`, given by
 * `flag`, can be read by others; the fields are the flag, the path, the mode and the fix. True when it warned.
 */
export function warnIfWorldReadable(message: string, flag: string, path: string, log: Logger): boolean {
  const mode = worldReadableMode(path);
  if (mode === undefined) return false;
  log.warn(message, { flag, path, mode, fix: `chmod o-rwx ${path}` });
  return true;
}
