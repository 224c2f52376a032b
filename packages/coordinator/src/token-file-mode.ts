/**
 * A token file that others may read hands the cluster to every account on
 * the host. The coordinator still starts (the operator may have reasons),
 * but says so at start and at each reload: the flag, the path and its mode,
 * never what it holds. Group read is fine (a root-owned 0640 file that the
 * service reads through its group): the check is shared's warnIfWorldReadable.
 */
import type { Logger } from '@cohort/shared';
import { warnIfWorldReadable } from '@cohort/shared/internal';

/** Warn for each of the files, by its flag, that others may read (a file that cannot be stat'ed is left to the reader's error). */
export function warnIfReadableByOthers(files: Record<string, string | undefined>, log: Logger): void {
  for (const [flag, file] of Object.entries(files)) {
    if (file !== undefined) warnIfWorldReadable('token file readable by others', flag, file, log);
  }
}
