import { TokenBucket } from './token-bucket.js';

/** One token bucket per key (e.g. source address), forgetting keys whose bucket refilled. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private perSecond: number;
  private burst: number;
  private readonly now: () => number;
  private lastSweep: number;

  constructor(perSecond: number, burst: number, now: () => number = Date.now) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.now = now;
    this.lastSweep = now();
  }

  configure(perSecond: number, burst: number): void {
    this.perSecond = perSecond;
    this.burst = burst;
    for (const bucket of this.buckets.values()) bucket.configure(perSecond, burst);
  }

  /** True when the key may go ahead now. */
  allow(key: string): boolean {
    if (this.perSecond <= 0) return true;
    this.sweep();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.perSecond, this.burst, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.tryTake(1);
  }

  get trackedKeys(): number {
    return this.buckets.size;
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(key);
  }
}
