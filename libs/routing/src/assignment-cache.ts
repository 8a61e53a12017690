import type { Redis } from 'ioredis';
import { OutageGuard } from './outage-guard.js';

// KEYS: assignment keys. ARGV: TTL in seconds, then the pool of each key in order. SET NX:
// a value an operator's pin or move just wrote is never replaced by a slower reader's.
const FILL = `
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ARGV[1], 'NX')
end
return #KEYS
`;

/** Keys per script call: a script holds the server for its whole run. */
const FILL_BATCH = 1_000;

type CacheRedis = Redis & {
  roadcastAssignFill(...args: Array<string | number>): Promise<number>;
};

const scriptedClients = new WeakSet<Redis>();

export interface AssignmentCacheOptions {
  redis: Redis;
  prefix: string;
  ttlSeconds: number;
  /** Reads slower than this count as an outage (default 250 ms). */
  timeoutMs: number;
  /** Overwrites that wait for Redis at most (default 100 000 vehicles). */
  maxPendingOverwrites?: number;
  onRedisFailure?: (operation: string) => void;
}

/**
 * The Redis copy of vehicle → pool. Reads fail fast when Redis is down or slow, so lookups
 * go on to Postgres. An overwrite (pin, move) that Redis does not take waits here and is
 * retried; until it lands, reads of that vehicle skip Redis, whose value is the old one.
 */
export class AssignmentCache {
  private readonly redis: CacheRedis;
  private readonly options: AssignmentCacheOptions;
  readonly guard: OutageGuard;
  private readonly pendingOverwrites = new Map<string, string>();
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(options: AssignmentCacheOptions) {
    this.redis = options.redis as CacheRedis;
    this.options = options;
    this.guard = new OutageGuard({
      name: 'redis',
      timeoutMs: options.timeoutMs,
      isConnected: () => options.redis.status === 'ready',
    });
    if (!scriptedClients.has(options.redis)) {
      options.redis.defineCommand('roadcastAssignFill', { lua: FILL });
      scriptedClients.add(options.redis);
    }
  }

  get channel(): string {
    return `${this.options.prefix}:assign-changed`;
  }

  private key(vehicleId: string): string {
    return `${this.options.prefix}:assign:${vehicleId}`;
  }

  /** Cached pools in the order asked (null: not cached); throws when Redis is unavailable. */
  async read(vehicleIds: string[]): Promise<Array<string | null>> {
    try {
      const values = await this.guard.run(() =>
        this.redis.mget(vehicleIds.map((id) => this.key(id))),
      );
      return values.map((value, i) => (this.pendingOverwrites.has(vehicleIds[i]!) ? null : value));
    } catch (err) {
      this.options.onRedisFailure?.('read');
      throw err;
    }
  }

  /** Caches pools read from Postgres, one script call per thousand; best effort. */
  async fill(entries: Array<[string, string]>): Promise<void> {
    const wanted = entries.filter(([id]) => !this.pendingOverwrites.has(id));
    if (wanted.length === 0 || !this.guard.available) return;
    try {
      for (let start = 0; start < wanted.length; start += FILL_BATCH) {
        const batch = wanted.slice(start, start + FILL_BATCH);
        await this.guard.run(() =>
          this.redis.roadcastAssignFill(
            batch.length,
            ...batch.map(([id]) => this.key(id)),
            this.options.ttlSeconds,
            ...batch.map(([, poolId]) => poolId),
          ),
        );
      }
    } catch {
      this.options.onRedisFailure?.('fill');
    }
  }

  /**
   * Replaces the cached pool and tells every process to forget its copy. Overwrite rather
   * than delete: a reader holding the old value fills with NX and loses.
   */
  async overwrite(vehicleId: string, poolId: string): Promise<void> {
    this.pendingOverwrites.delete(vehicleId);
    try {
      await this.guard.run(() => this.write(vehicleId, poolId));
    } catch {
      this.options.onRedisFailure?.('overwrite');
      this.pendingOverwrites.set(vehicleId, poolId);
      const max = this.options.maxPendingOverwrites ?? 100_000;
      while (this.pendingOverwrites.size > max) {
        const oldest = this.pendingOverwrites.keys().next();
        if (oldest.done) break;
        this.pendingOverwrites.delete(oldest.value);
      }
      this.retryTimer ??= setInterval(() => void this.retry(), 1_000);
      this.retryTimer.unref();
    }
  }

  private async write(vehicleId: string, poolId: string): Promise<void> {
    await this.redis
      .multi()
      .set(this.key(vehicleId), poolId, 'EX', this.options.ttlSeconds)
      .publish(this.channel, vehicleId)
      .exec();
  }

  private async retry(): Promise<void> {
    for (const [vehicleId, poolId] of [...this.pendingOverwrites]) {
      if (!this.guard.available) return;
      try {
        await this.guard.run(() => this.write(vehicleId, poolId));
        if (this.pendingOverwrites.get(vehicleId) === poolId)
          this.pendingOverwrites.delete(vehicleId);
      } catch {
        return;
      }
    }
    if (this.pendingOverwrites.size === 0) this.close();
  }

  close(): void {
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }
}
