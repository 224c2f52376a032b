/**
 * The dashboard's address as the coordinator, `cohort demo` and the docker
 * demo print it when they start: http://HOST:PORT/, with 127.0.0.1 for a
 * coordinator bound to every interface (0.0.0.0 or ::) since that is no
 * address to browse to, and with `?token=…` only when the token was
 * generated for this run (the demos): a token the user chose is theirs to
 * type, and is never printed.
 */
import { isWildcardHost } from '@cohort/coordinator';
import { httpBase } from '@cohort/shared';

export function dashboardUrl(coordinatorUrl: string, generatedToken?: string): string {
  const u = new URL(`${httpBase(coordinatorUrl)}/`);
  if (isWildcardHost(u.hostname)) u.hostname = '127.0.0.1';
  if (generatedToken !== undefined) u.searchParams.set('token', generatedToken);
  return u.toString();
}

/** The line printed on start: `dashboard: http://127.0.0.1:7070/`. */
export function dashboardLine(coordinatorUrl: string, generatedToken?: string): string {
  return `dashboard: ${dashboardUrl(coordinatorUrl, generatedToken)}`;
}
