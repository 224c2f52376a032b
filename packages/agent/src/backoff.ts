/**
 * Reconnect delays: exponential with full jitter (a random delay between 0
 * and the cap), so that agents cut off together do not return together.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const cap = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(this.random() * cap);
  }

  reset(): void {
    this.failures = 0;
  }
}
