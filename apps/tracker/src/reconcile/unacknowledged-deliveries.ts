import type pg from 'pg';
import { sqlList } from '@roadcast/campaigns';
import { UNACKNOWLEDGED_DELIVERY_STATES } from '@roadcast/contracts';

export interface UnacknowledgedDelivery {
  id: number;
  vehicleId: string;
  campaignId: string;
  priority: number;
  /** The broker the vehicle is on now, where known: re-sends are paced per broker. */
  brokerId?: string;
}

/**
 * The deliveries of these vehicles that were not acknowledged yet, in campaigns still running
 * and not expired, in waves that have started (a later wave's notices are not due yet).
 * `sessionsHeld` names, per vehicle, the broker that has just resumed its session: a
 * delivery published to that broker is still queued in the session, which the broker
 * delivers by itself, so it is left out (the retry timer covers a broker that dropped it).
 * Served by the (vehicle_id, campaign_id) index: a vehicle has few deliveries (0306).
 */
export async function findUnacknowledged(
  pool: pg.Pool,
  vehicleIds: readonly string[],
  sessionsHeld: ReadonlyMap<string, string> = new Map(),
): Promise<UnacknowledgedDelivery[]> {
  if (vehicleIds.length === 0) return [];
  const { rows } = await pool.query<UnacknowledgedDelivery>(
    `SELECT d.id, d.vehicle_id AS "vehicleId", d.campaign_id AS "campaignId", c.priority
     FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
     WHERE d.vehicle_id = ANY($1::text[])
       AND d.state IN ${sqlList(UNACKNOWLEDGED_DELIVERY_STATES)}
       AND c.status = 'running' AND c.expires_at > now() AND d.wave <= c.current_wave
       AND NOT (d.state = 'published' AND (d.vehicle_id, d.broker_id) IN (
         SELECT * FROM unnest($2::text[], $3::text[])))
     ORDER BY d.id`,
    [vehicleIds, [...sessionsHeld.keys()], [...sessionsHeld.values()]],
  );
  return rows;
}
