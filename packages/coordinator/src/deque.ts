/**
 * A growable ring buffer of non-negative integers (partition indices). O(1)
 * push and shift at both ends; 4 bytes an entry, so a million queued
 * partitions cost 4 MB here.
 */
export class IntDeque {
  private buf: Int32Array;
  private head = 0;
  private count = 0;

  constructor(capacity = 16) {
    this.buf = new Int32Array(Math.max(4, capacity));
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) % this.buf.length] = value;
    this.count++;
  }

  unshift(value: number): void {
    if (this.count === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = value;
    this.count++;
  }

  shift(): number | undefined {
    if (this.count === 0) return undefined;
    const value = this.buf[this.head]!;
    this.head = (this.head + 1) % this.buf.length;
    this.count--;
    return value;
  }

  peek(): number | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  /** Empty it and give the buffer back. */
  clear(): void {
    this.buf = new Int32Array(4);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const next = new Int32Array(this.buf.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) % this.buf.length]!;
    this.buf = next;
    this.head = 0;
  }
}
