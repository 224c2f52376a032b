/**
 * Where a client command finds the coordinator: `--connect URL`, else the
 * COHORT_URL environment variable (as RAY_ADDRESS and DASK_SCHEDULER_ADDRESS
 * do for Ray and Dask); an explicit --connect wins. Either may be ws://,
 * wss://, http:// or https://: they name the same port. The token comes from
 * --token, --token-file or COHORT_TOKEN.
 */
import { CohortError, ErrorCode, isJobId, resolveToken } from '@cohort/shared';
import { httpBase } from '@cohort/sdk';
import { secretFlag } from './args.js';

/** The environment variable that sets the default for --connect. */
export const COHORT_URL_ENV = 'COHORT_URL';

/** The coordinator URL from the flag or COHORT_URL, checked; INVALID_OPTION when neither is given or it is not a coordinator URL. */
export function connectUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag ?? (env[COHORT_URL_ENV] || undefined);
  if (url === undefined) throw new CohortError(ErrorCode.INVALID_OPTION, `--connect ws://HOST:PORT is required (or set ${COHORT_URL_ENV})`);
  httpBase(url); // throws INVALID_OPTION for what is not ws://, wss://, http:// or https://
  return url;
}

/** What an agent connects to (ws:// or wss://): the flag or COHORT_URL, with http(s):// turned into ws(s)://; '' when neither is given. */
export function agentConnectUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag ?? (env[COHORT_URL_ENV] || '');
  return url.replace(/^http(s?):\/\//i, 'ws$1://');
}

/** The ws:// form of a coordinator URL, as an agent's --connect takes it. */
export function wsUrl(url: string): string {
  return httpBase(url).replace(/^http/, 'ws');
}

export interface ClientTarget {
  url: string;
  token: string | undefined;
}

/** A client command's target from its CONNECT_FLAGS values. */
export function clientTarget(values: { connect?: string | undefined; token?: string | undefined; 'token-file'?: string | undefined }): ClientTarget {
  return {
    url: connectUrl(values.connect),
    token: resolveToken(secretFlag('token', values.token, 'token-file', values['token-file'])),
  };
}

/** A job id argument, checked before any request is built from it: BAD_REQUEST for anything else (`..`, a path, an escape). */
export function jobIdArgument(value: string | undefined): string {
  if (value === undefined) throw new CohortError(ErrorCode.INVALID_OPTION, 'name a job: JOB is its id (j_ and 10 letters or digits)');
  if (!isJobId(value))
    throw new CohortError(ErrorCode.BAD_REQUEST, `not a job id: ${JSON.stringify(String(value).slice(0, 100))} (j_ and 10 letters or digits)`);
  return value;
}
