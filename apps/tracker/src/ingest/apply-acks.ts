import type pg from 'pg';
import type { ParsedAck } from './parse-ack.js';

/** A delivery whose state an ack batch moved forward. */
export interface AppliedAck {
  campaignId: string;
  vehicleId: string;
  noticeId: string;
  wave: number;
  state: string;
  /** Seconds from the notice reaching the broker to the vehicle's first ack; null after that. */
  ackLatencySeconds: number | null;
}

/**
 * Applies a batch of acks in one statement. The `delivery_state` enum is declared in the
 * order states advance, so "moves forward" is `new > old` as long as the old state is not
 * terminal (installed and everything after it). A duplicate, a late `received` after
 * `installed`, an ack whose vehicle is not the delivery's vehicle, or an unknown notice id
 * match no row and change nothing. Several acks of one notice in one batch collapse to the
 * furthest. Rows are locked in id order so concurrent trackers cannot deadlock each other;
 * the statement-level triggers keep `campaign_counters` exact. The first ack of a delivery
 * also returns how long the vehicle took to answer since the broker accepted the notice.
 */
const APPLY_SQL = `
WITH input AS (
  SELECT DISTINCT ON (notice_id, vehicle_id) notice_id, vehicle_id, state, reason
  FROM unnest($1::uuid[], $2::text[], $3::delivery_state[], $4::text[]) AS t(notice_id, vehicle_id, state, reason)
  ORDER BY notice_id, vehicle_id, state DESC
), target AS (
  SELECT d.id, i.state, i.reason,
    CASE WHEN d.received_at IS NULL THEN COALESCE(d.published_at, d.parked_at) END AS told_at
  FROM deliveries d JOIN input i ON i.notice_id = d.notice_id AND i.vehicle_id = d.vehicle_id
  WHERE d.state < 'installed'::delivery_state AND d.state < i.state
  ORDER BY d.id
  FOR UPDATE OF d
)
UPDATE deliveries d SET
  state = t.state,
  updated_at = now(),
  received_at = COALESCE(d.received_at, now()),
  downloading_at = CASE WHEN t.state = 'downloading' THEN now() ELSE d.downloading_at END,
  installing_at = CASE WHEN t.state = 'installing' THEN now() ELSE d.installing_at END,
  installed_at = CASE WHEN t.state = 'installed' THEN now() ELSE d.installed_at END,
  failed_at = CASE WHEN t.state = 'failed' THEN now() ELSE d.failed_at END,
  rejected_at = CASE WHEN t.state = 'rejected' THEN now() ELSE d.rejected_at END,
  last_error = CASE WHEN t.state IN ('failed', 'rejected') THEN left(t.reason, 512) ELSE d.last_error END
FROM target t
WHERE d.id = t.id
RETURNING d.campaign_id AS "campaignId", d.vehicle_id AS "vehicleId", d.notice_id AS "noticeId", d.wave, d.state::text AS state,
  extract(epoch FROM d.received_at - t.told_at)::float8 AS "ackLatencySeconds"
`;

export async function applyAcks(pool: pg.Pool, acks: readonly ParsedAck[]): Promise<AppliedAck[]> {
  if (acks.length === 0) return [];
  const { rows } = await pool.query<AppliedAck>(APPLY_SQL, [
    acks.map((a) => a.noticeId),
    acks.map((a) => a.vehicleId),
    acks.map((a) => a.state),
    acks.map((a) => a.reason),
  ]);
  return rows;
}
