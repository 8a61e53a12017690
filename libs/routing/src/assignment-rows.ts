import type { Db } from '@roadcast/db';
import type { EdgeTopology } from './edge-topology.js';
import { rendezvousPick } from './rendezvous.js';
import { NoActivePool, UnknownPool, UnknownVehicle } from './routing-error.js';

interface VehicleRow {
  id: string;
  pool_id: string | null;
}

/** How stale the topology may be before an unknown pool id triggers a reload. */
const UNKNOWN_POOL_REFRESH_MS = 5_000;

export interface ResolvedPools {
  pools: Map<string, string>;
  /** Vehicles that have a row, whose pool is stored and may be cached. */
  registered: Set<string>;
}

/** `vehicles.pool_id` by id; vehicles without a row are missing from the map. */
export async function readAssignments(
  db: Db,
  vehicleIds: string[],
): Promise<Map<string, string | null>> {
  const { rows } = await db.pool.query<VehicleRow>(
    'SELECT id, pool_id FROM vehicles WHERE id = ANY($1::text[])',
    [vehicleIds],
  );
  return new Map(rows.map((r) => [r.id, r.pool_id]));
}

/**
 * Pools as Postgres holds them. A vehicle without a pool gets the weighted rendezvous pick
 * over active pools, written only while the row still has none, so two processes racing on
 * the same vehicle (even with different views of the pools) agree on one answer. A vehicle
 * without a row (not registered yet) gets the pick without storing it.
 */
export async function resolveFromDatabase(
  db: Db,
  topology: EdgeTopology,
  vehicleIds: string[],
): Promise<ResolvedPools> {
  const rows = await readAssignments(db, vehicleIds);
  // Deleting a pool sets its vehicles' pool_id to NULL (foreign key), so a stored pool
  // always exists; one this process does not know yet is simply newer than its snapshot.
  if ([...rows.values()].some((poolId) => poolId !== null && !topology.pool(poolId))) {
    await topology.refreshIfOlderThan(UNKNOWN_POOL_REFRESH_MS);
  }
  const pools = new Map<string, string>();
  const toAssign: Array<{ id: string; poolId: string }> = [];
  const active = topology.pools().filter((p) => p.state === 'active');
  for (const id of vehicleIds) {
    const current = rows.get(id);
    if (current) {
      pools.set(id, current);
      continue;
    }
    const pick = rendezvousPick(id, active);
    if (!pick) throw new NoActivePool();
    if (current === undefined) pools.set(id, pick.id);
    else toAssign.push({ id, poolId: pick.id });
  }
  if (toAssign.length > 0) {
    const stored = await db.pool.query<VehicleRow>(
      `UPDATE vehicles AS v
          SET pool_id = x.pool_id, updated_at = now()
         FROM unnest($1::text[], $2::text[]) AS x(id, pool_id)
        WHERE v.id = x.id AND v.pool_id IS NULL
      RETURNING v.id, v.pool_id`,
      [toAssign.map((a) => a.id), toAssign.map((a) => a.poolId)],
    );
    for (const row of stored.rows) if (row.pool_id) pools.set(row.id, row.pool_id);
    // Rows another process (or an operator) changed meanwhile: their value wins.
    const lost = toAssign.filter((a) => !pools.has(a.id)).map((a) => a.id);
    if (lost.length > 0) {
      const again = await readAssignments(db, lost);
      for (const id of lost) {
        const poolId = again.get(id) ?? rendezvousPick(id, active)?.id;
        if (poolId) pools.set(id, poolId);
      }
    }
  }
  return { pools, registered: new Set(rows.keys()) };
}

/** Stores the vehicle's pool (and pins it when asked); throws for an unknown pool or vehicle. */
export async function storeAssignment(
  db: Db,
  vehicleId: string,
  poolId: string,
  pin: boolean,
): Promise<void> {
  const pool = await db.pool.query('SELECT 1 FROM edge_pools WHERE id = $1', [poolId]);
  if (!pool.rowCount) throw new UnknownPool(poolId);
  const updated = await db.pool.query(
    `UPDATE vehicles SET pool_id = $2, pinned = pinned OR $3, updated_at = now() WHERE id = $1`,
    [vehicleId, poolId, pin],
  );
  if (!updated.rowCount) throw new UnknownVehicle(vehicleId);
}
