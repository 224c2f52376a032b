/**
 * The one retry-delay formula: exponential from `initialMs`, capped at
 * `maxMs`. With `jitter` (the default) the delay is random between 0 and
 * that cap ("full jitter"), so that agents cut off together do not return
 * together; without it, the cap itself.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Full jitter; default true. */
  jitter?: boolean;
  random?: () => number;
}

export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next try; each call counts one more failure. */
  next(): number {
    const { initialMs, maxMs, jitter = true, random = Math.random } = this.options;
    const cap = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return jitter ? Math.round(random() * cap) : cap;
  }

  /** Failures counted since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
