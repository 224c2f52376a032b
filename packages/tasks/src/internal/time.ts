/** Waiting helpers for the timing tasks: wall-clock sleep and CPU burn. */
import { setTimeout as delay } from 'node:timers/promises';

/** Wait `ms` of wall time without using the CPU. */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/** Spin the CPU for `ms` of wall time, never yielding to the event loop. */
export function burn(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy by design
  }
}

/** Spin the CPU forever, never yielding. Only a terminate or kill stops it. */
export function spinForever(): never {
  for (;;) {
    // busy by design
  }
}
