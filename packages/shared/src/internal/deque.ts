/**
 * The one ring buffer: a double-ended queue with O(1) push, shift and
 * unshift, and amortised growth to the next power of two.
 *
 * `Deque.ints()` stores non-negative integers in an Int32Array (4 bytes an
 * entry, so a million queued partition indices cost 4 MB); `new Deque<T>()`
 * stores anything in a plain array.
 */
type Store<T> = { [index: number]: T | undefined; readonly length: number };

export class Deque<T> {
  private buf: Store<T>;
  private head = 0;
  private count = 0;

  constructor(
    capacity = 16,
    private readonly alloc: (size: number) => Store<T> = (size) => new Array<T | undefined>(size),
  ) {
    this.buf = alloc(powerOfTwo(capacity));
  }

  /** A deque of integers in [0, 2^31), backed by an Int32Array. */
  static ints(capacity = 16): Deque<number> {
    return new Deque<number>(capacity, (size) => new Int32Array(size) as unknown as Store<number>);
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
    // Let go of the reference (a no-op for integers).
    if (!ArrayBuffer.isView(this.buf)) this.buf[this.head] = undefined;
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
    const kept: T[] = [];
    for (let n = this.count; n > 0; n--) {
      const value = this.shift() as T;
      (keep(value) ? kept : removed).push(value);
    }
    for (const value of kept) this.push(value);
    return removed;
  }

  /** Remove and return everything, in order. */
  drain(): T[] {
    const all: T[] = [];
    while (this.count > 0) all.push(this.shift() as T);
    return all;
  }

  /** Empty it and give the grown buffer back. */
  clear(): void {
    this.buf = this.alloc(16);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const old = this.buf;
    const next = this.alloc(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}

function powerOfTwo(n: number): number {
  let size = 16;
  while (size < n) size *= 2;
  return size;
}
