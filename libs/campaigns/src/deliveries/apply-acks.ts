import type pg from 'pg';
import {
  DELIVERY_STATES,
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
 * Rows are locked in id order so concurrent trackers cannot deadlock each other; the
 * statement-level triggers keep `campaign_counters` exact. The first ack of a delivery also
 * returns how long the vehicle took to answer since the broker accepted the notice.
 */
const APPLY_SQL = `
WITH target AS (
  SELECT d.id, i.state, i.reason,
    CASE WHEN d.received_at IS NULL THEN COALESCE(d.published_at, d.parked_at) END AS told_at
  FROM deliveries d
  JOIN unnest($1::uuid[], $2::text[], $3::delivery_state[], $4::text[]) AS i(notice_id, vehicle_id, state, reason)
    ON i.notice_id = d.notice_id AND i.vehicle_id = d.vehicle_id
  WHERE ${deliveryGuard('applyAcks', 'd.state', 'i.state')}
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

const ORDER = new Map<string, number>(DELIVERY_STATES.map((s, i) => [s, i]));

/**
 * Several reports of one notice in a batch collapse to the furthest (in the order states
 * advance), as an UPDATE may change a row only once per statement.
 */
function furthestPerNotice(acks: readonly AckReport[]): AckReport[] {
  const byNotice = new Map<string, AckReport>();
  for (const ack of acks) {
    const key = `${ack.noticeId} ${ack.vehicleId}`;
    const seen = byNotice.get(key);
    if (!seen || ORDER.get(ack.state)! > ORDER.get(seen.state)!) byNotice.set(key, ack);
  }
  return byNotice.size === acks.length ? [...acks] : [...byNotice.values()];
}

export async function applyAcks(pool: pg.Pool, acks: readonly AckReport[]): Promise<AppliedAck[]> {
  if (acks.length === 0) return [];
  const batch = furthestPerNotice(acks);
  const { rows } = await pool.query<AppliedAck>(APPLY_SQL, [
    batch.map((a) => a.noticeId),
    batch.map((a) => a.vehicleId),
    batch.map((a) => a.state),
    batch.map((a) => a.reason),
  ]);
  return rows;
}
