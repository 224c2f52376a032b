/**
 * Where a client command finds the coordinator: `--connect URL`, else the
 * COHORT_URL environment variable (as RAY_ADDRESS and DASK_SCHEDULER_ADDRESS
 * do for Ray and Dask); an explicit --connect wins. Either may be ws://,
 * wss://, http:// or https://: they name the same port. The token comes from
 * --token, --token-file or COHORT_TOKEN; the TLS trust from --tls-ca,
 * --tls-fingerprint (or COHORT_TLS_CA, COHORT_TLS_FINGERPRINT) and, for
 * mutual TLS, --tls-cert with --tls-key; the two variables apply to a
 * wss:// or https:// URL only. A token is not sent over plain ws:// or
 * http:// beyond loopback without --insecure-no-tls (ApiClient refuses it
 * with TLS_REQUIRED).
 */
import { CohortError, ErrorCode, isJobId, isSecureUrl, parseCoordinatorUrl, resolveToken, type TlsClientOptions } from '@cohort/shared';
import { tlsClientFromFlags } from '@cohort/shared/internal';
import { secretFlag } from './args.js';

/** The environment variable that sets the default for --connect. */
export const COHORT_URL_ENV = 'COHORT_URL';

/** The coordinator URL from the flag or COHORT_URL, checked; INVALID_OPTION when neither is given or it is not a coordinator URL. */
export function connectUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag ?? (env[COHORT_URL_ENV] || undefined);
  if (url === undefined) throw new CohortError(ErrorCode.INVALID_OPTION, `--connect ws://HOST:PORT is required (or set ${COHORT_URL_ENV})`);
  parseCoordinatorUrl(url); // throws INVALID_OPTION for what is not ws://, wss://, http:// or https://
  return url;
}

/**
 * What an agent connects to (ws:// or wss://): the flag or COHORT_URL, with http(s):// turned into ws(s):// (the
 * path kept); '' when neither is given, and a URL that does not parse as given (the agent's options name it).
 */
export function agentConnectUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag ?? (env[COHORT_URL_ENV] || '');
  let target: ReturnType<typeof parseCoordinatorUrl>;
  try {
    target = parseCoordinatorUrl(url);
  } catch {
    return url;
  }
  if (target.scheme !== 'http' && target.scheme !== 'https') return url;
  return `${target.wsUrl}${target.pathname === '/' ? '' : target.pathname}`;
}

/** The ws:// form of a coordinator URL, as an agent's --connect takes it. */
export function wsUrl(url: string): string {
  return parseCoordinatorUrl(url).wsUrl;
}

export interface ClientTarget {
  url: string;
  token: string | undefined;
  /** How a wss:// or https:// coordinator is verified; absent: the system's CAs. */
  tls?: TlsClientOptions;
  /** --insecure-no-tls: the token may go over plain ws:// or http:// beyond loopback. */
  insecureNoTls?: boolean;
}

/** The values of CONNECT_FLAGS, as parseArgs gives them. */
export interface ConnectValues {
  connect?: string | undefined;
  token?: string | undefined;
  'token-file'?: string | undefined;
  'tls-ca'?: string | undefined;
  'tls-fingerprint'?: string | undefined;
  'tls-cert'?: string | undefined;
  'tls-key'?: string | undefined;
  'insecure-no-tls'?: boolean | undefined;
}

/**
 * The TLS trust from the --tls-* flags, else (for a wss:// or https:// `url`) COHORT_TLS_CA and
 * COHORT_TLS_FINGERPRINT; undefined when none applies.
 */
export function tlsFlags(values: ConnectValues, env: NodeJS.ProcessEnv, url: string): TlsClientOptions | undefined {
  const flags = { ca: values['tls-ca'], fingerprint: values['tls-fingerprint'], cert: values['tls-cert'], key: values['tls-key'] };
  return tlsClientFromFlags(flags, env, isSecureUrl(url));
}

/** A client command's target from its CONNECT_FLAGS values (and the environment). */
export function clientTarget(values: ConnectValues, env: NodeJS.ProcessEnv = process.env): ClientTarget {
  const url = connectUrl(values.connect, env);
  const tls = tlsFlags(values, env, url);
  return {
    url,
    token: resolveToken(secretFlag('token', values.token, 'token-file', values['token-file'])),
    ...(tls && { tls }),
    ...(values['insecure-no-tls'] && { insecureNoTls: true }),
  };
}

/** A job id argument, checked before any request is built from it: BAD_REQUEST for anything else (`..`, a path, an escape). */
export function jobIdArgument(value: string | undefined): string {
  if (value === undefined) throw new CohortError(ErrorCode.INVALID_OPTION, 'name a job: JOB is its id (j_ and 10 letters or digits)');
  if (!isJobId(value))
    throw new CohortError(ErrorCode.BAD_REQUEST, `not a job id: ${JSON.stringify(String(value).slice(0, 100))} (j_ and 10 letters or digits)`);
  return value;
}
