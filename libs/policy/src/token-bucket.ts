/**
 * A token bucket that may go into debt: a reader takes what it already received and waits
 * until the balance is back to zero, so a throttled stream is slowed, never cut or dropped.
 * A rate of 0 means unlimited.
 */
export class TokenBucket {
  private rate: number;
  private burst: number;
  private tokens: number;
  private updatedAt: number;
  private readonly now: () => number;

  constructor(ratePerSecond: number, burst: number, now: () => number = Date.now) {
    this.rate = ratePerSecond;
    this.burst = burst;
    this.tokens = burst;
    this.now = now;
    this.updatedAt = now();
  }

  get unlimited(): boolean {
    return this.rate <= 0;
  }

  /** Changes the rate (a new policy) keeping the current balance within the new burst. */
  configure(ratePerSecond: number, burst: number): void {
    this.refill();
    this.rate = ratePerSecond;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.updatedAt = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
  }

  /** Tokens there now (negative while in debt); Infinity when unlimited. */
  available(): number {
    if (this.unlimited) return Number.POSITIVE_INFINITY;
    this.refill();
    return this.tokens;
  }

  get ratePerSecond(): number {
    return this.rate;
  }

  /** Takes n tokens even when short; returns how many ms until the balance is not negative. */
  take(n: number): number {
    if (this.unlimited) return 0;
    this.refill();
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  /** Takes n tokens only if they are there. */
  tryTake(n = 1): boolean {
    if (this.unlimited) return true;
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** True when the bucket is full again, i.e. forgetting it loses nothing. */
  isFull(): boolean {
    if (this.unlimited) return true;
    this.refill();
    return this.tokens >= this.burst;
  }
}
