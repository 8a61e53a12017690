import type { Db } from '@roadcast/db';

export type EdgeState = 'active' | 'draining' | 'down';

export interface EdgeBrokerInfo {
  id: string;
  poolId: string;
  url: string;
  weight: number;
  state: EdgeState;
}

export interface EdgePoolInfo {
  id: string;
  name: string;
  weight: number;
  state: EdgeState;
  brokers: EdgeBrokerInfo[];
}

interface PoolRow {
  id: string;
  name: string;
  weight: number;
  state: EdgeState;
}

interface BrokerRow {
  id: string;
  pool_id: string;
  url: string;
  weight: number;
  state: EdgeState;
}

/**
 * An in-memory snapshot of edge pools and their brokers. Lookups are synchronous so the
 * connect path never waits on Postgres; callers refresh on a timer or after a change.
 * A refresh replaces the snapshot as a whole, so readers never see half of one.
 */
export class EdgeTopology {
  private readonly db: Db;
  private poolList: EdgePoolInfo[] = [];
  private poolsById = new Map<string, EdgePoolInfo>();
  private brokersById = new Map<string, EdgeBrokerInfo>();
  private loadedAt = 0;
  private inFlight: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(db: Db) {
    this.db = db;
  }

  /** Reloads pools and brokers; concurrent callers share one query. */
  refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Calls `listener` after every load; returns the function that stops it. */
  onRefresh(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Refreshes only when the snapshot is older than maxAgeMs (or was never loaded). */
  async refreshIfOlderThan(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.loadedAt >= maxAgeMs) await this.refresh();
  }

  /** When the snapshot was last loaded (epoch ms), 0 before the first load. */
  get loadedAtMs(): number {
    return this.loadedAt;
  }

  pools(): EdgePoolInfo[] {
    return this.poolList;
  }

  pool(id: string): EdgePoolInfo | undefined {
    return this.poolsById.get(id);
  }

  broker(id: string): EdgeBrokerInfo | undefined {
    return this.brokersById.get(id);
  }

  private async load(): Promise<void> {
    const [pools, brokers] = await Promise.all([
      this.db.pool.query<PoolRow>(
        'SELECT id, name, weight, state::text AS state FROM edge_pools ORDER BY id',
      ),
      this.db.pool.query<BrokerRow>(
        'SELECT id, pool_id, url, weight, state::text AS state FROM edge_brokers ORDER BY pool_id, id',
      ),
    ]);
    const poolsById = new Map<string, EdgePoolInfo>();
    for (const row of pools.rows) {
      poolsById.set(row.id, {
        id: row.id,
        name: row.name,
        weight: row.weight,
        state: row.state,
        brokers: [],
      });
    }
    const brokersById = new Map<string, EdgeBrokerInfo>();
    for (const row of brokers.rows) {
      const broker: EdgeBrokerInfo = {
        id: row.id,
        poolId: row.pool_id,
        url: row.url,
        weight: row.weight,
        state: row.state,
      };
      brokersById.set(broker.id, broker);
      poolsById.get(broker.poolId)?.brokers.push(broker);
    }
    this.poolsById = poolsById;
    this.brokersById = brokersById;
    this.poolList = [...poolsById.values()];
    this.loadedAt = Date.now();
    for (const listener of this.listeners) listener();
  }
}
