/**
 * PEM files named by the operator (`--tls-cert`, `--tls-key`,
 * `--tls-client-ca`): read and parsed once at start, by shared's one reader
 * (@cohort/shared/internal pem-file.ts: a size cap, INVALID_OPTION naming
 * the flag and the path, never what the file holds).
 */
import type { Logger } from '@cohort/shared';
import { warnIfWorldReadable } from '@cohort/shared/internal';

export { parseCertificate, parsePrivateKey, readKeyPair, readPemFile } from '@cohort/shared/internal';

/** Warn (once, at start) when a key file can be read by others (group read is fine: a service reading it through its group). */
export function warnIfKeyExposed(flag: string, path: string, log: Logger): void {
  warnIfWorldReadable('tls key file readable by others', flag, path, log);
}
