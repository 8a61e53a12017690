export interface StatusCacheOptions {
  /**
   * How long after its read began an answer may still be served while a newer read is on its
   * way (default 0: an expired answer is never served, every reader waits for the new one).
   */
  maxStaleMs?: number;
  /** Keys held at once; beyond it the cache starts empty again (default 10 000). */
  maxEntries?: number;
}

interface Entry<T> {
  /** When the read behind `value` began. */
  at: number;
  value: Promise<T>;
  /** The newest answer that arrived, with when its read began. */
  answer?: { value: T; at: number };
  /** A read under way while `answer` is served. */
  refreshing: boolean;
}

/**
 * A very short-lived, single-flight cache for status reads that dashboards poll: concurrent
 * and repeated reads of one key within `ttlMs` share one database query, so hundreds of
 * pollers of one campaign cost a few queries per second.
 *
 * Once an answer is older than `ttlMs`, the next reader starts one new read; with `maxStaleMs`
 * it and every reader after it get the previous answer at once until the new one arrives
 * (stale-while-revalidate), so when the database is slow nobody queues behind the refresh.
 * An answer is never older than `maxStaleMs` (then readers wait), and a failed refresh keeps
 * the previous answer until then.
 */
export class StatusCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly maxStaleMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly ttlMs: number,
    options: StatusCacheOptions = {},
  ) {
    this.maxStaleMs = options.maxStaleMs ?? 0;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    if (hit?.answer && now - hit.answer.at < this.maxStaleMs) {
      if (!hit.refreshing) this.refresh(key, hit, load, now);
      return Promise.resolve(hit.answer.value);
    }
    return this.read(key, load, now);
  }

  /** Forgets a key after a change made through this process, so it reads its own writes. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  private read(key: string, load: () => Promise<T>, now: number): Promise<T> {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    const entry: Entry<T> = { at: now, value, refreshing: false };
    this.entries.set(key, entry);
    value.then(
      (answer) => {
        entry.answer = { value: answer, at: now };
      },
      // A failed read is not remembered.
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  private refresh(key: string, stale: Entry<T>, load: () => Promise<T>, now: number): void {
    stale.refreshing = true;
    const value = load();
    value.then(
      (answer) => {
        // Forgotten or replaced meanwhile (a change through this process): the answer may
        // predate that change, so it is not kept.
        if (this.entries.get(key) !== stale) return;
        this.entries.set(key, {
          at: now,
          value,
          answer: { value: answer, at: now },
          refreshing: false,
        });
      },
      () => {
        stale.refreshing = false;
      },
    );
  }
}
