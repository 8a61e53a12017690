import type { Db } from '@roadcast/db';
import { isRoadcastError } from '@roadcast/contracts/errors';
import type { Redis } from 'ioredis';
import { AssignmentCache } from './assignment-cache.js';
import { resolveFromDatabase, storeAssignment, type ResolvedPools } from './assignment-rows.js';
import type { EdgeTopology } from './edge-topology.js';
import { OutageGuard } from './outage-guard.js';
import { rendezvousPick } from './rendezvous.js';
import { NoActivePool } from './routing-error.js';

/** Where a lookup found its answer when the usual place could not give it. */
export type RoutingFallback = 'postgres' | 'rendezvous';

export interface StickyAssignmentsOptions {
  db: Db;
  redis: Redis;
  /** Prefix of the Redis keys and channel. */
  prefix: string;
  topology: EdgeTopology;
  /** How long a vehicle's pool stays in process memory (default 60 s). */
  memoryTtlMs?: number;
  /** At most this many vehicles in process memory (default 200 000). */
  memoryMaxEntries?: number;
  /** How long the Redis copy lives (default 24 h); Postgres stays the source of truth. */
  redisTtlSeconds?: number;
  /** A Redis read slower than this goes on to Postgres (default 250 ms). */
  redisTimeoutMs?: number;
  /** A Postgres lookup slower than this goes on to rendezvous hashing (default 2 s). */
  dbTimeoutMs?: number;
  /** Told how many vehicles a lookup answered from a fallback. */
  onFallback?: (fallback: RoutingFallback, vehicles: number) => void;
  /** Told when a Redis call fails or times out (`read`, `fill`, `overwrite`). */
  onRedisFailure?: (operation: string) => void;
}

interface CacheEntry {
  poolId: string;
  expiresAt: number;
}

/** Postgres handles arrays of this size comfortably in one statement. */
const SQL_BATCH = 10_000;

/**
 * Vehicle → edge pool, the data-group mapping of the router.
 *
 * Reads go memory → Redis → Postgres. A cached pool that no longer exists is ignored; in
 * Postgres, deleting a pool clears its vehicles' pool_id. A vehicle without a pool gets the
 * weighted rendezvous pick over active pools, written only while the row still has none, so
 * two processes racing on the same vehicle (even with different views of the pools) agree
 * on one answer. Redis is filled with SET NX (only with what came from Postgres, never with
 * what Redis or memory already had), while pin and move overwrite it: a slow reader can never
 * put back a value an operator just replaced. Pin and move announce the vehicle on a channel
 * so every process drops it from memory.
 *
 * Without Redis (down, or slower than `redisTimeoutMs`) lookups read Postgres; without
 * Postgres too, a vehicle gets the pool memory last knew for it, else the rendezvous pick
 * over active pools: the answer of a healthy system for a vehicle that was never pinned or
 * moved. Such answers are neither cached nor stored.
 */
export class StickyAssignments {
  private readonly db: Db;
  private readonly cache: AssignmentCache;
  private readonly dbGuard: OutageGuard;
  private readonly subscriber: Redis;
  private readonly topology: EdgeTopology;
  private readonly options: StickyAssignmentsOptions;
  /** Expired entries stay until evicted: the last known answer, should Postgres be down too. */
  private readonly memory = new Map<string, CacheEntry>();
  private readonly memoryTtlMs: number;
  private readonly memoryMaxEntries: number;
  private readonly ready: Promise<unknown>;
  private readonly listeners: Array<(vehicleId: string) => void> = [];
  private closed = false;

  constructor(options: StickyAssignmentsOptions) {
    this.db = options.db;
    this.options = options;
    this.topology = options.topology;
    this.memoryTtlMs = options.memoryTtlMs ?? 60_000;
    this.memoryMaxEntries = options.memoryMaxEntries ?? 200_000;
    this.cache = new AssignmentCache({
      redis: options.redis,
      prefix: options.prefix,
      ttlSeconds: options.redisTtlSeconds ?? 86_400,
      timeoutMs: options.redisTimeoutMs ?? 250,
      ...(options.onRedisFailure ? { onRedisFailure: options.onRedisFailure } : {}),
    });
    this.dbGuard = new OutageGuard({ name: 'postgres', timeoutMs: options.dbTimeoutMs ?? 2_000 });
    this.subscriber = options.redis.duplicate();
    this.subscriber.on('message', (channel: string, vehicleId: string) => {
      if (channel !== this.channel) return;
      this.memory.delete(vehicleId);
      for (const listener of this.listeners) listener(vehicleId);
    });
    // A failed subscription must not surface as an unhandled rejection; poolFor still works,
    // only without cross-process memory invalidation until the client reconnects.
    this.ready = this.subscriber.subscribe(this.channel).catch(() => undefined);
    this.subscriber.on('error', () => undefined);
    // A subscription that failed while Redis was away is made when it is back.
    this.subscriber.on('ready', () => {
      if (!this.closed) this.subscriber.subscribe(this.channel).catch(() => undefined);
    });
  }

  private get channel(): string {
    return this.cache.channel;
  }

  /** Called with the vehicle id whenever any process pins or moves a vehicle (this one included). */
  onChange(listener: (vehicleId: string) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves once this instance listens for changes made by other processes. */
  whenReady(): Promise<void> {
    return this.ready.then(() => undefined);
  }

  async poolFor(vehicleId: string): Promise<string> {
    const result = await this.poolsFor([vehicleId]);
    const poolId = result.get(vehicleId);
    if (poolId === undefined) throw new NoActivePool();
    return poolId;
  }

  /**
   * Pools for many vehicles: one Redis call for what memory lacks, set-based SQL per batch
   * for what Redis lacks, and one Redis call to cache what came from Postgres.
   */
  async poolsFor(vehicleIds: string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    const now = Date.now();
    let missing: string[] = [];
    for (const id of new Set(vehicleIds)) {
      const hit = this.memory.get(id);
      if (hit && hit.expiresAt > now && this.topology.pool(hit.poolId)) result.set(id, hit.poolId);
      else missing.push(id);
    }
    if (missing.length === 0) return result;

    const cached = await this.cache.read(missing).catch(() => null);
    if (cached) {
      const afterRedis: string[] = [];
      missing.forEach((id, i) => {
        const poolId = cached[i];
        if (poolId && this.topology.pool(poolId)) {
          result.set(id, poolId);
          this.remember(id, poolId);
        } else afterRedis.push(id);
      });
      missing = afterRedis;
    } else this.options.onFallback?.('postgres', missing.length);

    for (let start = 0; start < missing.length; start += SQL_BATCH) {
      const batch = missing.slice(start, start + SQL_BATCH);
      const resolved = await this.fromDatabase(batch);
      if (!resolved) {
        for (const id of missing.slice(start)) result.set(id, this.bestGuess(id));
        this.options.onFallback?.('rendezvous', missing.length - start);
        break;
      }
      for (const [id, poolId] of resolved.pools) {
        result.set(id, poolId);
        this.remember(id, poolId);
      }
      await this.cache.fill([...resolved.pools].filter(([id]) => resolved.registered.has(id)));
    }
    return result;
  }

  /** Postgres' answer, or undefined when Postgres is down or too slow. */
  private async fromDatabase(vehicleIds: string[]): Promise<ResolvedPools | undefined> {
    try {
      return await this.dbGuard.run(() => resolveFromDatabase(this.db, this.topology, vehicleIds));
    } catch (err) {
      if (isRoadcastError(err, NoActivePool.code)) throw err;
      return undefined;
    }
  }

  /** Without Redis and Postgres: the pool memory last knew, else the rendezvous pick. */
  private bestGuess(vehicleId: string): string {
    const known = this.memory.get(vehicleId);
    const pool = known && this.topology.pool(known.poolId);
    if (pool?.state === 'active') return pool.id;
    const pick = rendezvousPick(
      vehicleId,
      this.topology.pools().filter((p) => p.state === 'active'),
    );
    if (!pick) throw new NoActivePool();
    return pick.id;
  }

  /** Pins the vehicle to the pool: automatic rebalancing leaves it there. */
  pin(vehicleId: string, poolId: string): Promise<void> {
    return this.assign(vehicleId, poolId, true);
  }

  /** Moves the vehicle to the pool, keeping its pinned flag as it was. */
  move(vehicleId: string, poolId: string): Promise<void> {
    return this.assign(vehicleId, poolId, false);
  }

  private async assign(vehicleId: string, poolId: string, pin: boolean): Promise<void> {
    await storeAssignment(this.db, vehicleId, poolId, pin);
    this.memory.delete(vehicleId);
    // Postgres has it; Redis follows now or, when it is away, as soon as it is back.
    await this.cache.overwrite(vehicleId, poolId);
  }

  private remember(vehicleId: string, poolId: string): void {
    if (this.memory.size >= this.memoryMaxEntries) {
      // Maps iterate in insertion order: dropping the first entry drops the oldest.
      const oldest = this.memory.keys().next();
      if (!oldest.done) this.memory.delete(oldest.value);
    }
    this.memory.delete(vehicleId);
    this.memory.set(vehicleId, { poolId, expiresAt: Date.now() + this.memoryTtlMs });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.memory.clear();
    this.cache.close();
    await this.ready;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
