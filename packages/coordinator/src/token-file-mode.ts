/**
 * A token file that the group or others may read hands the cluster to
 * every account on the host. The coordinator still starts (the operator
 * may have reasons: a shared group on purpose), but says so at start and at
 * each reload: the path and its mode, never what it holds.
 */
import { statSync } from 'node:fs';
import type { Logger } from '@cohort/shared';

/** The permission bits that let the group or others read a file. */
const READABLE_BY_OTHERS = 0o044;

/** Warn for each of the files, by its flag, that is readable by its group or by others (a file that cannot be stat'ed is left to the reader's error). */
export function warnIfReadableByOthers(files: Record<string, string | undefined>, log: Logger): void {
  for (const [flag, file] of Object.entries(files)) {
    if (file === undefined) continue;
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch {
      continue;
    }
    if ((mode & READABLE_BY_OTHERS) === 0) continue;
    log.warn('token file readable by group or others', { flag, file, mode: `0${(mode & 0o777).toString(8)}`, fix: `chmod 600 ${file}` });
  }
}
