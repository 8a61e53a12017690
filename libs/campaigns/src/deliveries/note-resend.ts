import type pg from 'pg';
import { deliverySourcesIn } from '../transitions/state-sql.js';

/**
 * Delivery noteResend: published | parked, unchanged. The re-send timer touches `updated_at`
 * of the deliveries it hands to the bridge again, so its next pass does not pick them before
 * the bridge has sent them. Returns the ids still unacknowledged: an ack may have landed
 * since they were read.
 */
export async function noteResend(pool: pg.Pool, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<{ id: number }>(
    `UPDATE deliveries SET updated_at = now()
     WHERE id IN (SELECT unnest($1::bigint[]) ORDER BY 1) AND ${deliverySourcesIn('noteResend', 'state')}
     RETURNING id`,
    [ids],
  );
  return rows.map((r) => r.id);
}
