import type pg from 'pg';

export interface UnacknowledgedDelivery {
  id: number;
  vehicleId: string;
  campaignId: string;
  priority: number;
}

/**
 * The deliveries of these vehicles that were not acknowledged yet, in campaigns still running
 * and not expired, in waves that have started (a later wave's notices are not due yet).
 * Served by the partial index on unacknowledged deliveries per vehicle.
 */
export async function findUnacknowledged(
  pool: pg.Pool,
  vehicleIds: readonly string[],
): Promise<UnacknowledgedDelivery[]> {
  if (vehicleIds.length === 0) return [];
  const { rows } = await pool.query<UnacknowledgedDelivery>(
    `SELECT d.id, d.vehicle_id AS "vehicleId", d.campaign_id AS "campaignId", c.priority
     FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
     WHERE d.vehicle_id = ANY($1::text[])
       AND d.state IN ('pending', 'published', 'parked')
       AND c.status = 'running' AND c.expires_at > now() AND d.wave <= c.current_wave
     ORDER BY d.id`,
    [vehicleIds],
  );
  return rows;
}
