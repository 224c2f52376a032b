/**
 * A ring-buffer double-ended queue: O(1) push, shift and unshift, amortised
 * growth. The pool's queue of partitions; `unshift` puts a crashed batch's
 * untouched partitions back at the front.
 */
export class Deque<T> {
  private buf: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(capacity = 64) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.buf = new Array<T | undefined>(size);
  }

  get length(): number {
    return this.count;
  }

  push(value: T): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & (this.buf.length - 1)] = value;
    this.count++;
  }

  unshift(value: T): void {
    if (this.count === this.buf.length) this.grow();
    this.head = (this.head - 1) & (this.buf.length - 1);
    this.buf[this.head] = value;
    this.count++;
  }

  /** Put `values` at the front, keeping their order. */
  unshiftAll(values: readonly T[]): void {
    for (let i = values.length - 1; i >= 0; i--) this.unshift(values[i] as T);
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const value = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.count--;
    return value;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  /** Keep only the values for which `keep` is true, in order; returns the removed ones. O(length). */
  filter(keep: (value: T) => boolean): T[] {
    const removed: T[] = [];
    const n = this.count;
    const kept: T[] = [];
    for (let i = 0; i < n; i++) {
      const value = this.shift() as T;
      (keep(value) ? kept : removed).push(value);
    }
    for (const value of kept) this.push(value);
    return removed;
  }

  /** Remove and return everything, in order. */
  clear(): T[] {
    const all: T[] = [];
    while (this.count > 0) all.push(this.shift() as T);
    return all;
  }

  private grow(): void {
    const old = this.buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
