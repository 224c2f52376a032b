/**
 * The agent's side of the heartbeat: every `intervalMs` it either sends a beat
 * or, when nothing has been heard from the coordinator for longer than
 * `timeoutMs`, declares the link stale. Three methods: `start` (on welcome),
 * `received` (on any frame), `cancel` (on close). Its clock is injected so a
 * test can drive missed beats without sleeping.
 *
 * Model: nats.js core/src/heartbeats.ts (a small class composed into the
 * protocol handler, talking back through a narrow interface).
 */

/** What the heartbeat asks of its link. */
export interface HeartbeatLink {
  /** Send beat number `seq` (1, 2, …). */
  beat(seq: number, now: number): void;
  /** The coordinator has been silent for `silentMs`: drop the link. */
  stale(silentMs: number): void;
}

/** The time and timers a Heartbeat uses; the system's by default. */
export interface Clock {
  now(): number;
  every(ms: number, fn: () => void): unknown;
  clear(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  every: (ms, fn) => setInterval(fn, ms),
  clear: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class Heartbeat {
  private timer: unknown;
  private lastHeard: number;
  private seq = 0;

  constructor(
    private readonly link: HeartbeatLink,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {
    this.lastHeard = clock.now();
  }

  /** Beat every `intervalMs`; silence past `timeoutMs` is stale. Restarting cancels the previous rhythm. */
  start(intervalMs: number, timeoutMs: number): void {
    this.cancel();
    this.lastHeard = this.clock.now();
    this.timer = this.clock.every(intervalMs, () => this.tick(timeoutMs));
  }

  /** Something arrived from the coordinator. */
  received(): void {
    this.lastHeard = this.clock.now();
  }

  cancel(): void {
    if (this.timer === undefined) return;
    this.clock.clear(this.timer);
    this.timer = undefined;
  }

  private tick(timeoutMs: number): void {
    const now = this.clock.now();
    const silentMs = now - this.lastHeard;
    if (silentMs > timeoutMs) {
      this.cancel();
      this.link.stale(silentMs);
      return;
    }
    this.link.beat(++this.seq, now);
  }
}
