import type pg from 'pg';
import {
  FAILURE_DELIVERY_STATES,
  type AckState,
  type DeliveryStateName,
} from '@roadcast/contracts';
import { deliveryGuard, sqlList, stateTimeAssignments } from '../transitions/state-sql.js';

/** One vehicle report about one notice: the vehicle id comes from the topic it arrived on. */
export interface AckReport {
  vehicleId: string;
  noticeId: string;
  state: AckState;
  reason: string | null;
}

/** A delivery whose state a batch of reports moved forward. */
export interface AppliedAck {
  campaignId: string;
  vehicleId: string;
  noticeId: string;
  wave: number;
  state: DeliveryStateName;
  /** Seconds from the notice reaching the broker to the vehicle's first ack; null after that. */
  ackLatencySeconds: number | null;
}

/**
 * applyAcks: an open state → a later one the vehicle reported (see DELIVERY_OPERATIONS). One
 * statement per batch. A duplicate, a late `received` after `installed`, a report about an
 * earlier attempt's notice (a retry gave the delivery a new notice id), a report whose vehicle
 * is not the delivery's vehicle, or an unknown notice id match no row and change nothing.
 * Several reports of one notice in a batch collapse to the furthest (the enum's order, which
 * is the contracts' order; an UPDATE changes a row once per statement), and the batch is
 * probed in notice id order, one index lookup each: without the collapse the planner expects
 * every row of the batch to match and prefers hashing the whole table. Rows are locked in id
 * order so concurrent trackers cannot deadlock each other; the statement-level triggers keep
 * `campaign_counters` exact. In a campaign with healthy boot an `installed` report moves the
 * delivery to `verifying`: the vehicle's status reports decide (decide-boots.ts). The first
 * ack of a delivery also returns how long the vehicle took to answer since the broker
 * accepted the notice.
 */
const APPLY_SQL = `
WITH input AS (
  SELECT DISTINCT ON (notice_id, vehicle_id) notice_id, vehicle_id, state, reason
  FROM unnest($1::uuid[], $2::text[], $3::delivery_state[], $4::text[]) AS t(notice_id, vehicle_id, state, reason)
  ORDER BY notice_id, vehicle_id, state DESC
), target AS (
  SELECT d.id, r.state, i.reason,
    CASE WHEN d.received_at IS NULL THEN COALESCE(d.published_at, d.parked_at) END AS told_at
  FROM deliveries d JOIN input i ON i.notice_id = d.notice_id AND i.vehicle_id = d.vehicle_id
  JOIN campaigns c ON c.id = d.campaign_id
  -- Healthy boot: an installed report starts verification; the status reports finish it.
  CROSS JOIN LATERAL (SELECT CASE WHEN i.state = 'installed' AND c.boot_observation_s IS NOT NULL
    THEN 'verifying'::delivery_state ELSE i.state END AS state) r
  -- The ANY is an index condition whatever the statistics say (record-publish-outcomes.ts).
  WHERE d.notice_id = ANY($1::uuid[]) AND ${deliveryGuard('applyAcks', 'd.state', 'r.state')}
  ORDER BY d.id
  FOR UPDATE OF d
)
UPDATE deliveries d SET
  state = t.state,
  updated_at = now(),
  -- Any report shows the notice was received, whichever came first.
  received_at = COALESCE(d.received_at, now()),
  ${stateTimeAssignments('applyAcks', 't.state', 'd', ['received'])},
  last_error = CASE WHEN t.state IN ${sqlList(FAILURE_DELIVERY_STATES)} THEN left(t.reason, 512) ELSE d.last_error END
FROM target t
WHERE d.id = t.id
RETURNING d.campaign_id AS "campaignId", d.vehicle_id AS "vehicleId", d.notice_id AS "noticeId", d.wave, d.state::text AS state,
  extract(epoch FROM d.received_at - t.told_at)::float8 AS "ackLatencySeconds"`;

export async function applyAcks(pool: pg.Pool, acks: readonly AckReport[]): Promise<AppliedAck[]> {
  if (acks.length === 0) return [];
  const { rows } = await pool.query<AppliedAck>(APPLY_SQL, [
    acks.map((a) => a.noticeId),
    acks.map((a) => a.vehicleId),
    acks.map((a) => a.state),
    acks.map((a) => a.reason),
  ]);
  return rows;
}
