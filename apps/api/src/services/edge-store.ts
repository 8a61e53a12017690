import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { EdgePool } from '@roadcast/contracts';
import type { PresenceStore } from '@roadcast/routing';
import { appendEvent, redisKeys } from '@roadcast/queue';
import { ApiError } from '../errors.js';
import type { DependencyHealth } from './dependency-health.js';

type EdgeState = EdgePool['state'];

/** Edge pools and brokers in Postgres; every change tells routers and the bridge to reload. */
export class EdgeStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly presence: PresenceStore,
    private readonly health: DependencyHealth,
  ) {}

  async list(): Promise<EdgePool[]> {
    const [pools, brokers, assigned, connections] = await Promise.all([
      this.pool.query<{ id: string; name: string; weight: number; state: EdgeState }>(
        'SELECT id, name, weight, state FROM edge_pools ORDER BY id',
      ),
      this.pool.query<{
        id: string;
        poolId: string;
        url: string;
        weight: number;
        state: EdgeState;
      }>('SELECT id, pool_id AS "poolId", url, weight, state FROM edge_brokers ORDER BY id'),
      this.pool.query<{ poolId: string; n: number }>(
        'SELECT pool_id AS "poolId", count(*)::int AS n FROM vehicles WHERE pool_id IS NOT NULL GROUP BY pool_id',
      ),
      this.presence.countByBroker(),
    ]);
    const vehicles = new Map(assigned.rows.map((r) => [r.poolId, r.n]));
    return pools.rows.map((p) => {
      const own = brokers.rows
        .filter((b) => b.poolId === p.id)
        .map((b) => ({ ...b, connections: Math.max(0, Number(connections[b.id] ?? 0)) }));
      const active = own.filter((b) => b.state === 'active').length;
      return {
        ...p,
        health:
          p.state !== 'active' || active === 0
            ? 'unavailable'
            : active === own.length
              ? 'healthy'
              : 'degraded',
        connections: own.reduce((n, b) => n + b.connections, 0),
        vehicles: vehicles.get(p.id) ?? 0,
        brokers: own,
      };
    });
  }

  async get(id: string): Promise<EdgePool> {
    const pool = (await this.list()).find((p) => p.id === id);
    if (!pool) throw new ApiError('ROADCAST_ERR_POOL_NOT_FOUND', 'edge pool not found');
    return pool;
  }

  async createPool(id: string, name: string, weight: number): Promise<void> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO edge_pools (id, name, weight, updated_at) VALUES ($1, $2, $3, now()) ON CONFLICT (id) DO NOTHING`,
      [id, name, weight],
    );
    if (!rowCount)
      throw new ApiError('ROADCAST_ERR_ALREADY_EXISTS', `edge pool ${id} already exists`);
    await this.changed({ pool: id, change: 'created' });
  }

  async addBroker(poolId: string, id: string, url: string, weight: number): Promise<void> {
    const pool = await this.pool.query('SELECT 1 FROM edge_pools WHERE id = $1', [poolId]);
    if (!pool.rowCount) throw new ApiError('ROADCAST_ERR_POOL_NOT_FOUND', 'edge pool not found');
    const { rowCount } = await this.pool.query(
      `INSERT INTO edge_brokers (id, pool_id, url, weight, updated_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (id) DO NOTHING`,
      [id, poolId, url, weight],
    );
    if (!rowCount)
      throw new ApiError('ROADCAST_ERR_ALREADY_EXISTS', `edge broker ${id} already exists`);
    await this.changed({ pool: poolId, broker: id, change: 'created' });
  }

  /** Sets weight and/or state of a pool or broker; returns the pool it belongs to. */
  async update(
    kind: 'pool' | 'broker',
    id: string,
    change: { weight?: number; state?: EdgeState },
  ): Promise<string> {
    const table = kind === 'pool' ? 'edge_pools' : 'edge_brokers';
    const poolColumn = kind === 'pool' ? 'id' : 'pool_id';
    const { rows } = await this.pool.query<{ poolId: string }>(
      `UPDATE ${table} SET weight = COALESCE($2, weight), state = COALESCE($3::pool_state, state), updated_at = now()
       WHERE id = $1 RETURNING ${poolColumn} AS "poolId"`,
      [id, change.weight ?? null, change.state ?? null],
    );
    if (!rows[0]) {
      throw new ApiError(
        kind === 'pool' ? 'ROADCAST_ERR_POOL_NOT_FOUND' : 'ROADCAST_ERR_BROKER_NOT_FOUND',
        `edge ${kind} not found`,
      );
    }
    await this.changed({ [kind]: id, change });
    return rows[0].poolId;
  }

  /**
   * Announces a stored change. Best effort: routers and the bridge also reload the topology
   * on a timer, so a lost announcement delays a change but does not lose it.
   */
  private async changed(data: Record<string, unknown>): Promise<void> {
    try {
      await this.redis.publish(redisKeys.topologyChanged(this.prefix), JSON.stringify(data));
      await appendEvent(this.redis, this.prefix, {
        type: 'fleet.topology',
        at: new Date().toISOString(),
        data,
      });
    } catch (err) {
      this.health.bestEffortFailed(err, 'topology change not announced');
    }
  }
}
