/**
 * A very short-lived, single-flight cache for status reads that dashboards poll: concurrent
 * and repeated reads of one key within `ttlMs` share one database query, so hundreds of
 * pollers of one campaign cost a few queries per second. Answers are at most `ttlMs` old.
 */
export class StatusCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    this.entries.set(key, { at: now, value });
    // A failed read is not remembered.
    value.catch(() => this.entries.delete(key));
    return value;
  }

  /** Forgets a key after a change made through this process, so it reads its own writes. */
  delete(key: string): void {
    this.entries.delete(key);
  }
}
