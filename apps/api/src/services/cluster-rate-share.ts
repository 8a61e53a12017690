import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface ClusterRateShareOptions {
  redis: Redis;
  prefix: string;
  /** The limit per key across all API instances. */
  perSecond: number;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}

/** A new instance (or one that saw no demand for a key) gets at least this share at once. */
const MIN_SHARE = 0.1;
/** Shares older than this many intervals are dropped: each instance then limits on its own. */
const STALE_INTERVALS = 3;
/** At most one warning per minute about failed syncs. */
const WARN_INTERVAL_MS = 60_000;

/**
 * Splits each API key's rate limit between API instances without a Redis round trip per
 * request. Once per interval (at the middle of wall-clock windows, so every instance writes
 * once per window) each instance adds its request counts per key to the window's hash in
 * Redis and reads the previous window's totals. Where a key's demand across the cluster
 * exceeded its limit, this instance's share of the limit is its part of that demand;
 * otherwise it may use the whole limit. When Redis is unavailable the shares age out and
 * every instance limits on its own: requests are never refused because Redis is away.
 */
export class ClusterRateShare {
  private counts = new Map<string, number>();
  /** What this instance added to each recent window, by window number. */
  private readonly added = new Map<number, Map<string, number>>();
  private shares = new Map<string, number>();
  private sharesAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: ClusterRateShareOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Counts one request of `keyId` in this interval. */
  record(keyId: string): void {
    this.counts.set(keyId, (this.counts.get(keyId) ?? 0) + 1);
  }

  /** This instance's part of `keyId`'s limit, 0 < share ≤ 1. */
  shareOf(keyId: string): number {
    if (this.now() - this.sharesAt > STALE_INTERVALS * this.options.intervalMs) return 1;
    return this.shares.get(keyId) ?? 1;
  }

  start(): void {
    const schedule = () => {
      if (this.closed) return;
      const interval = this.options.intervalMs;
      const wait = interval - ((this.now() + interval / 2) % interval);
      this.timer = setTimeout(() => void this.sync().finally(schedule), wait);
      this.timer.unref();
    };
    schedule();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** One exchange with Redis; failures only make the shares age out. */
  async sync(): Promise<void> {
    const { redis, intervalMs } = this.options;
    const window = Math.floor(this.now() / intervalMs);
    const counts = this.counts;
    this.counts = new Map();
    this.added.set(window, counts);
    for (const w of this.added.keys()) if (w < window - 1) this.added.delete(w);
    const pipeline = redis.pipeline();
    const current = this.key(window);
    for (const [keyId, n] of counts) pipeline.hincrby(current, keyId, n);
    if (counts.size > 0) pipeline.pexpire(current, intervalMs * (STALE_INTERVALS + 2));
    pipeline.hgetall(this.key(window - 1));
    try {
      const replies = await pipeline.exec();
      const last = replies?.[replies.length - 1];
      if (!last || last[0]) throw last?.[0] ?? new Error('no reply');
      this.apply(last[1] as Record<string, string>, this.added.get(window - 1));
    } catch (err) {
      const now = this.now();
      if (now - this.lastWarnAt >= WARN_INTERVAL_MS) {
        this.lastWarnAt = now;
        this.options.logger.warn(
          { err: (err as Error).message },
          'rate limit counts not shared; each API instance limits on its own',
        );
      }
    }
  }

  private apply(totals: Record<string, string>, mine: Map<string, number> | undefined): void {
    const limitPerWindow = (this.options.perSecond * this.options.intervalMs) / 1000;
    const shares = new Map<string, number>();
    for (const [keyId, value] of Object.entries(totals)) {
      const total = Number(value);
      if (!(total > limitPerWindow)) continue;
      shares.set(keyId, Math.max(MIN_SHARE, (mine?.get(keyId) ?? 0) / total));
    }
    this.shares = shares;
    this.sharesAt = this.now();
  }

  private key(window: number): string {
    return `${this.options.prefix}:ratelimit:${window}`;
  }
}
