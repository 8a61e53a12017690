import type pg from 'pg';
import { sqlList } from '@roadcast/campaigns';
import { DELIVERY_OPERATIONS } from '@roadcast/contracts';

/** Sent and not answered: what the re-send timer would send again. */
const OWING = sqlList(DELIVERY_OPERATIONS.noteResend.from);

/**
 * Vehicles that owe an answer to a running campaign and have not been seen for longer than
 * the threshold. They are reported, never failed: a car parked for a month is not a failure.
 */
export async function countSilentVehicles(pool: pg.Pool, silentAfterMs: number): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(DISTINCT d.vehicle_id)::bigint AS n
     FROM campaigns c
     JOIN deliveries d ON d.campaign_id = c.id
     JOIN vehicles v ON v.id = d.vehicle_id
     WHERE c.status = 'running' AND d.state IN ${OWING} AND d.wave <= c.current_wave
       AND d.updated_at < now() - make_interval(secs => $1::double precision / 1000)
       AND (v.last_seen_at IS NULL OR v.last_seen_at < now() - make_interval(secs => $1::double precision / 1000))`,
    [silentAfterMs],
  );
  return Number(rows[0]?.n ?? 0);
}
