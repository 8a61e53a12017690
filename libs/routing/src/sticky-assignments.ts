import type { Db } from '@roadcast/db';
import type { Redis } from 'ioredis';
import type { EdgeTopology } from './edge-topology.js';
import { rendezvousPick } from './rendezvous.js';
import { RoutingError } from './routing-error.js';

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
}

interface CacheEntry {
  poolId: string;
  expiresAt: number;
}

interface VehicleRow {
  id: string;
  pool_id: string | null;
}

/** Postgres handles arrays of this size comfortably in one statement. */
const SQL_BATCH = 10_000;
/** How stale the topology may be before an unknown pool id triggers a reload. */
const UNKNOWN_POOL_REFRESH_MS = 5_000;

/**
 * Vehicle → edge pool, the data-group mapping of the router.
 *
 * Reads go memory → Redis → Postgres. A cached pool that no longer exists is ignored; in
 * Postgres, deleting a pool clears its vehicles' pool_id. A vehicle without a pool gets the
 * weighted rendezvous pick over active pools, written only while the row still has none, so
 * two processes racing on the same vehicle (even with different views of the pools) agree
 * on one answer. Redis is filled with SET NX, while pin and move overwrite it: a slow reader
 * can never put back a value an operator just replaced. Pin and move announce the vehicle
 * on a channel so every process drops it from memory.
 */
export class StickyAssignments {
  private readonly db: Db;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private readonly topology: EdgeTopology;
  private readonly memory = new Map<string, CacheEntry>();
  private readonly memoryTtlMs: number;
  private readonly memoryMaxEntries: number;
  private readonly redisTtlSeconds: number;
  private readonly ready: Promise<unknown>;
  private readonly listeners: Array<(vehicleId: string) => void> = [];
  private closed = false;

  constructor(options: StickyAssignmentsOptions) {
    this.db = options.db;
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.topology = options.topology;
    this.memoryTtlMs = options.memoryTtlMs ?? 60_000;
    this.memoryMaxEntries = options.memoryMaxEntries ?? 200_000;
    this.redisTtlSeconds = options.redisTtlSeconds ?? 86_400;
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
  }

  private get channel(): string {
    return `${this.prefix}:assign-changed`;
  }

  private key(vehicleId: string): string {
    return `${this.prefix}:assign:${vehicleId}`;
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
    if (poolId === undefined)
      throw new RoutingError('ROADCAST_ERR_NO_ACTIVE_POOL', 'no active edge pool');
    return poolId;
  }

  /** Pools for many vehicles with one Redis round trip and set-based SQL per batch. */
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

    const cached = await this.redis.mget(missing.map((id) => this.key(id)));
    const afterRedis: string[] = [];
    missing.forEach((id, i) => {
      const poolId = cached[i];
      if (poolId && this.topology.pool(poolId)) {
        result.set(id, poolId);
        this.remember(id, poolId);
      } else afterRedis.push(id);
    });
    missing = afterRedis;

    for (let start = 0; start < missing.length; start += SQL_BATCH) {
      const batch = missing.slice(start, start + SQL_BATCH);
      const resolved = await this.resolveFromDatabase(batch);
      for (const [id, poolId] of resolved) {
        result.set(id, poolId);
        this.remember(id, poolId);
      }
    }
    return result;
  }

  private async resolveFromDatabase(vehicleIds: string[]): Promise<Map<string, string>> {
    const rows = await this.readRows(vehicleIds);
    // Deleting a pool sets its vehicles' pool_id to NULL (foreign key), so a stored pool
    // always exists; one this process does not know yet is simply newer than its snapshot.
    if ([...rows.values()].some((poolId) => poolId !== null && !this.topology.pool(poolId))) {
      await this.topology.refreshIfOlderThan(UNKNOWN_POOL_REFRESH_MS);
    }
    const resolved = new Map<string, string>();
    const toAssign: Array<{ id: string; poolId: string }> = [];
    const active = this.topology.pools().filter((p) => p.state === 'active');
    for (const id of vehicleIds) {
      const current = rows.get(id);
      if (current) {
        resolved.set(id, current);
        continue;
      }
      const pick = rendezvousPick(id, active);
      if (!pick) throw new RoutingError('ROADCAST_ERR_NO_ACTIVE_POOL', 'no active edge pool');
      // A vehicle without a row (not registered yet) gets the pick without storing it.
      if (current === undefined) resolved.set(id, pick.id);
      else toAssign.push({ id, poolId: pick.id });
    }
    if (toAssign.length > 0) {
      const stored = await this.db.pool.query<VehicleRow>(
        `UPDATE vehicles AS v
            SET pool_id = x.pool_id, updated_at = now()
           FROM unnest($1::text[], $2::text[]) AS x(id, pool_id)
          WHERE v.id = x.id AND v.pool_id IS NULL
        RETURNING v.id, v.pool_id`,
        [toAssign.map((a) => a.id), toAssign.map((a) => a.poolId)],
      );
      for (const row of stored.rows) if (row.pool_id) resolved.set(row.id, row.pool_id);
      // Rows another process (or an operator) changed meanwhile: their value wins.
      const lost = toAssign.filter((a) => !resolved.has(a.id)).map((a) => a.id);
      if (lost.length > 0) {
        const again = await this.readRows(lost);
        for (const id of lost) {
          const poolId = again.get(id);
          if (poolId) resolved.set(id, poolId);
          else {
            const pick = rendezvousPick(id, active);
            if (pick) resolved.set(id, pick.id);
          }
        }
      }
    }
    const stored = [...resolved].filter(([id]) => rows.has(id));
    if (stored.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const [id, poolId] of stored)
        pipeline.set(this.key(id), poolId, 'EX', this.redisTtlSeconds, 'NX');
      await pipeline.exec();
    }
    return resolved;
  }

  private async readRows(vehicleIds: string[]): Promise<Map<string, string | null>> {
    const { rows } = await this.db.pool.query<VehicleRow>(
      'SELECT id, pool_id FROM vehicles WHERE id = ANY($1::text[])',
      [vehicleIds],
    );
    return new Map(rows.map((r) => [r.id, r.pool_id]));
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
    const pool = await this.db.pool.query('SELECT 1 FROM edge_pools WHERE id = $1', [poolId]);
    if (!pool.rowCount)
      throw new RoutingError('ROADCAST_ERR_UNKNOWN_POOL', `unknown edge pool "${poolId}"`);
    const updated = await this.db.pool.query(
      `UPDATE vehicles SET pool_id = $2, pinned = pinned OR $3, updated_at = now() WHERE id = $1`,
      [vehicleId, poolId, pin],
    );
    if (!updated.rowCount)
      throw new RoutingError('ROADCAST_ERR_UNKNOWN_VEHICLE', `unknown vehicle "${vehicleId}"`);
    this.memory.delete(vehicleId);
    // Overwrite rather than delete: a reader holding the old value fills with NX and loses.
    await this.redis
      .multi()
      .set(this.key(vehicleId), poolId, 'EX', this.redisTtlSeconds)
      .publish(this.channel, vehicleId)
      .exec();
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
    await this.ready;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
