export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  /** When refused: seconds until a token is back (at least 1). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (an API key id, a client address) in process memory, holding at most
 * `maxKeys` buckets: the least recently used one is forgotten first, so a flood of new keys
 * costs bounded memory and only ever resets buckets to full. A bucket holds one second of
 * its rate, so a client may spend its second's allowance at once but not save up more.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token from `key`'s bucket refilled at `perSecond`. */
  take(key: string, perSecond: number): TakeResult {
    const now = this.now();
    const burst = Math.max(1, perSecond);
    let bucket = this.buckets.get(key);
    if (bucket) {
      // Re-inserting keeps the map in least-recently-used order.
      this.buckets.delete(key);
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    } else {
      if (this.buckets.size >= this.maxKeys) {
        this.buckets.delete(this.buckets.keys().next().value as string);
      }
      bucket = { tokens: burst, at: now };
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    return {
      allowed: false,
      remaining: 0,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / Math.max(perSecond, 1e-9))),
    };
  }

  get size(): number {
    return this.buckets.size;
  }
}
