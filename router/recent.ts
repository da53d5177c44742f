/**
 * A map that keeps only the `capacity` entries set last, oldest out first: what an isolate
 * remembers across requests (key hashes, replay entries, scores of answers it has just seen)
 * stays bounded however long it lives.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): V {
    if (!this.entries.has(key) && this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** The value kept for `key`, made and kept on a miss. */
  remember(key: K, make: () => V): V {
    const kept = this.entries.get(key);
    return kept !== undefined ? kept : this.set(key, make());
  }
}
