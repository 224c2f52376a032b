/**
 * A bounded ring that remembers how many items it was ever given, so that a
 * reader can ask for what came after its last look (`since(total)`): the
 * dashboard's task stream, feed, throughput samples and markers.
 */
export class Ring<T> {
  private readonly items: T[] = [];
  private head = 0;
  /** Items ever pushed; a reader's cursor. */
  total = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Add `item`, dropping the oldest once full. O(1). */
  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else {
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
    }
    this.total++;
  }

  /** Every item kept, oldest first. */
  all(): T[] {
    return this.items.length < this.capacity ? this.items.slice() : [...this.items.slice(this.head), ...this.items.slice(0, this.head)];
  }

  /** The items pushed after the reader's cursor `total` (at most `capacity` of them, the newest), oldest first. */
  since(total: number): T[] {
    const n = Math.min(Math.max(0, this.total - total), this.items.length);
    if (n === 0) return [];
    const all = this.all();
    return all.slice(all.length - n);
  }
}
