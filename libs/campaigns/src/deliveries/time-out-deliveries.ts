import type pg from 'pg';
import { ACTIVE_CAMPAIGN_STATUSES, DELIVERY_OPERATIONS } from '@roadcast/contracts';
import { errorTextSql } from '../transitions/error-sql.js';
import { deliverySourcesIn, sqlList, stateTimeColumn, targetOf } from '../transitions/state-sql.js';
import type { DeliveryWindow, StretchCursors, WindowResult } from './stretch-cursors.js';

export interface TimedOutDelivery {
  id: number;
  campaignId: string;
  vehicleId: string;
  wave: number;
}

const TIMED_OUT = targetOf('timeOut');

/**
 * Delivery timeOut: received | downloading | installing | verifying → timed_out, when the
 * delivery's last report is older than the campaign's in-progress timeout. It reads one
 * stretch of the campaign's deliveries (through the (campaign_id, id) index; no index holds
 * `state`, see docs/decisions/0306) so a sweep costs the same whatever the campaign's size,
 * and skips rows an ack batch holds: their report is news, not silence.
 */
const TIME_OUT_SQL = `
WITH span AS (
  SELECT id FROM deliveries WHERE campaign_id = $1 AND id > $2 ORDER BY id LIMIT $3
), due AS (
  SELECT d.id FROM deliveries d
  WHERE d.id IN (SELECT id FROM span) AND ${deliverySourcesIn('timeOut', 'd.state')}
    AND d.updated_at < now() - make_interval(secs => $4::double precision)
  ORDER BY d.id
  FOR UPDATE SKIP LOCKED
), timed AS (
  UPDATE deliveries d SET state = '${TIMED_OUT}', ${stateTimeColumn(TIMED_OUT)} = now(), updated_at = now(),
    last_error = ${errorTextSql('ROADCAST_ERR_IN_PROGRESS_TIMEOUT', '$4::int', 'd.state')}
  FROM due WHERE d.id = due.id
  RETURNING d.id, d.campaign_id AS "campaignId", d.vehicle_id AS "vehicleId", d.wave
)
SELECT (SELECT count(*) FROM span)::int AS seen, (SELECT max(id) FROM span) AS last,
       (SELECT json_agg(timed ORDER BY id) FROM timed) AS changed`;

export async function timeOutDeliveries(
  pool: pg.Pool,
  campaignId: string,
  timeoutSeconds: number,
  window: DeliveryWindow,
): Promise<WindowResult<TimedOutDelivery>> {
  const { rows } = await pool.query<{
    seen: number;
    last: string | null;
    changed: TimedOutDelivery[] | null;
  }>(TIME_OUT_SQL, [campaignId, window.after, window.size, timeoutSeconds]);
  const row = rows[0]!;
  return {
    changed: row.changed ?? [],
    next: row.seen < window.size || row.last === null ? 0 : Number(row.last),
  };
}

/**
 * Campaigns not ended that have an in-progress timeout and, by the exact counters, at least
 * one delivery it could apply to; others cost nothing.
 */
const TIMEOUT_CAMPAIGNS_SQL = `
SELECT c.id, c.in_progress_timeout_s AS "timeoutSeconds" FROM campaigns c
WHERE c.status IN ${sqlList(ACTIVE_CAMPAIGN_STATUSES)} AND c.in_progress_timeout_s IS NOT NULL
  AND EXISTS (SELECT 1 FROM campaign_counters k WHERE k.campaign_id = c.id
              AND k.state IN ${sqlList(DELIVERY_OPERATIONS.timeOut.from)} AND k.count > 0)`;

/**
 * One pass of the in-progress timeout over every campaign that has one: a stretch of each
 * campaign's deliveries, continuing where the last pass stopped.
 */
export async function timeOutSilentDeliveries(
  pool: pg.Pool,
  cursors: StretchCursors,
): Promise<TimedOutDelivery[]> {
  const { rows } = await pool.query<{ id: string; timeoutSeconds: number }>(TIMEOUT_CAMPAIGNS_SQL);
  cursors.retain(rows.map((r) => r.id));
  const out: TimedOutDelivery[] = [];
  for (const campaign of rows) {
    const result = await timeOutDeliveries(
      pool,
      campaign.id,
      campaign.timeoutSeconds,
      cursors.window(campaign.id),
    );
    cursors.advance(campaign.id, result.next);
    out.push(...result.changed);
  }
  return out;
}
