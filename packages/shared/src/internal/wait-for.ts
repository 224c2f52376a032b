/**
 * The one "wait until": poll `check` until it returns a value (anything but
 * undefined or false), bounded in time and in count. The error names what was
 * awaited, so a timed-out drill or test says what never happened.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** Default 20 ms. */
  intervalMs?: number;
}

export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  const maxPolls = Math.ceil(timeoutMs / Math.max(1, intervalMs)) + 2;
  for (let i = 0; i < maxPolls; i++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** True when `promise` settles within `ms`, false when the time runs out first; the timer never outlives the wait. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
