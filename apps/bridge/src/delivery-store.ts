import type pg from 'pg';
import type { CampaignStatusName, DeliveryStateName } from '@roadcast/contracts';

/** A delivery with what its notice needs from the campaign. */
export interface DeliveryToPublish {
  id: number;
  vehicleId: string;
  noticeId: string;
  state: DeliveryStateName;
  campaignId: string;
  campaignStatus: CampaignStatusName;
  updateId: string;
  updateVersion: string;
  updateUrl: string;
  updateSha256: string;
  updateSize: number;
  priority: number;
  expiresAt: Date;
}

export interface PublishOutcome {
  id: number;
  state: 'published' | 'parked';
  brokerId: string;
}

/** Deliveries by id that are still in one of `states`, with their campaign's notice fields. */
export async function loadDeliveries(
  pool: pg.Pool,
  ids: readonly number[],
  states: readonly DeliveryStateName[],
): Promise<DeliveryToPublish[]> {
  const { rows } = await pool.query<DeliveryToPublish>(
    `SELECT d.id, d.vehicle_id AS "vehicleId", d.notice_id AS "noticeId", d.state, d.campaign_id AS "campaignId",
            c.status AS "campaignStatus", c.update_id AS "updateId", c.update_version AS "updateVersion",
            c.update_url AS "updateUrl", c.update_sha256 AS "updateSha256", c.update_size AS "updateSize",
            c.priority, c.expires_at AS "expiresAt"
     FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
     WHERE d.id = ANY($1::bigint[]) AND d.state = ANY($2::delivery_state[])
     ORDER BY d.id`,
    [ids, states],
  );
  return rows.map((r) => ({ ...r, updateSize: Number(r.updateSize) }));
}

/**
 * Records PUBACK outcomes in one statement. Only deliveries still pending, published or
 * parked move: an acknowledgement, expiry or cancellation that arrived meanwhile wins.
 * Returns the ids that were updated.
 */
export async function recordOutcomes(
  pool: pg.Pool,
  outcomes: readonly PublishOutcome[],
): Promise<Set<number>> {
  if (outcomes.length === 0) return new Set();
  const { rows } = await pool.query<{ id: number }>(
    `UPDATE deliveries d SET
       state = v.state::delivery_state,
       broker_id = v.broker_id,
       attempts = d.attempts + 1,
       last_error = NULL,
       updated_at = now(),
       published_at = CASE WHEN v.state = 'published' THEN now() ELSE d.published_at END,
       parked_at = CASE WHEN v.state = 'parked' THEN now() ELSE d.parked_at END
     FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, state, broker_id)
     WHERE d.id = v.id AND d.state IN ('pending', 'published', 'parked')
     RETURNING d.id`,
    [outcomes.map((o) => o.id), outcomes.map((o) => o.state), outcomes.map((o) => o.brokerId)],
  );
  return new Set(rows.map((r) => r.id));
}

/** Notes why deliveries could not be published this time; their state does not change. */
export async function recordFailures(
  pool: pg.Pool,
  failures: ReadonlyArray<{ id: number; error: string }>,
): Promise<void> {
  if (failures.length === 0) return;
  await pool.query(
    `UPDATE deliveries d SET last_error = v.error, updated_at = now()
     FROM unnest($1::bigint[], $2::text[]) AS v(id, error)
     WHERE d.id = v.id AND d.state IN ('pending', 'published', 'parked')`,
    [failures.map((f) => f.id), failures.map((f) => f.error.slice(0, 500))],
  );
}

/** Current states of some deliveries. */
export async function deliveryStates(
  pool: pg.Pool,
  ids: readonly number[],
): Promise<Map<number, DeliveryStateName>> {
  if (ids.length === 0) return new Map();
  const { rows } = await pool.query<{ id: number; state: DeliveryStateName }>(
    'SELECT id, state FROM deliveries WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.state]));
}
