import { customAlphabet } from 'nanoid';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
const short = customAlphabet(alphabet, 10);

/** Job ids: `j_` and 10 lower-case alphanumerics; safe in URLs and file names. */
export function newJobId(): string {
  return `j_${short()}`;
}

/** Agent session ids: one per accepted `hello`; a reconnect is a new session. */
export function newSessionId(): string {
  return `a_${short()}`;
}

const JOB_ID = /^j_[0-9a-z]{10}$/;
export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID.test(value);
}

/** One per coordinator start: agents tell a restart from a reconnect by it. */
export function newCoordinatorId(): string {
  return `c_${short()}`;
}
