/** One trust at a time: a CA and a pin together are refused, from flags, variables or code alike. */
import { CohortError, ErrorCode } from '../errors.js';

/** INVALID_OPTION naming both (`--tls-ca and --tls-fingerprint`, the two variables, or the two options). */
export function twoTrusts(caFrom: string, pinFrom: string, given = 'are both given'): CohortError {
  return new CohortError(ErrorCode.INVALID_OPTION, `${caFrom} and ${pinFrom} ${given}: pass one: --tls-fingerprint pins the certificate, --tls-ca trusts a CA`);
}
