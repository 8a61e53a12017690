import type pg from 'pg';
import { ACTIVE_CAMPAIGN_STATUSES } from '@roadcast/contracts';
import { errorTextSql } from '../transitions/error-sql.js';
import { deliverySourcesIn, sqlList } from '../transitions/state-sql.js';
import type { DeliveryWindow, StretchCursors } from './stretch-cursors.js';
import { verifyBoot, type BootVerdict } from './verify-boot.js';

/** A verifying delivery that a status report (or the passing of time) decided. */
export interface DecidedBoot extends BootVerdict {
  campaignId: string;
  vehicleId: string;
}

/**
 * The verdict on one verifying delivery (aliased `d`, its campaign `c`) from the vehicle's
 * latest status (`s`) and its version of the offered component (`k`; a vehicle that reports
 * no components is judged by its overall `software_version`):
 * - failed, when a report that arrived after the installed ack shows another version (the
 *   vehicle fell back) or an unhealthy boot;
 * - installed, when it runs the offered version, healthy, and has since the later of entering
 *   verifying, starting to run that version and its healthy streak, for the observation window;
 * - no verdict yet otherwise.
 * Times are the platform's (`received_at`, `since`, `healthy_since`), compared with `now()`.
 */
const VERDICT = `
  CASE
    WHEN s.received_at > d.verifying_at AND COALESCE(k.version, s.software_version) <> c.update_version
      THEN 'failed'
    WHEN s.received_at > d.verifying_at AND s.boot_health = 'unhealthy' THEN 'failed'
    WHEN COALESCE(k.version, s.software_version) = c.update_version AND s.boot_health = 'healthy'
      AND greatest(d.verifying_at, s.healthy_since, COALESCE(k.since, s.healthy_since))
          <= now() - make_interval(secs => c.boot_observation_s)
      THEN 'installed'
  END`;

const REASON = `
  CASE
    WHEN COALESCE(k.version, s.software_version) <> c.update_version
      THEN ${errorTextSql('ROADCAST_ERR_BOOT_FALLBACK', 'COALESCE(k.version, s.software_version)', 'c.update_version')}
    ELSE ${errorTextSql('ROADCAST_ERR_BOOT_UNHEALTHY', 'c.update_version')}
  END`;

const JUDGED = `
  JOIN campaigns c ON c.id = d.campaign_id AND c.boot_observation_s IS NOT NULL
  JOIN vehicle_status s ON s.vehicle_id = d.vehicle_id
  LEFT JOIN vehicle_components k ON k.vehicle_id = d.vehicle_id AND k.component = c.update_id`;

/**
 * Verifying deliveries of these vehicles (the ones a status batch just stored) in these
 * campaigns: one probe of the (vehicle_id, campaign_id) index per pair.
 */
const BY_VEHICLES_SQL = `
SELECT * FROM (
  SELECT d.id::int AS "deliveryId", d.campaign_id AS "campaignId", d.vehicle_id AS "vehicleId",
    ${VERDICT} AS outcome, ${REASON} AS reason
  FROM unnest($1::text[]) AS t(vehicle_id) CROSS JOIN unnest($2::uuid[]) AS b(campaign_id)
  JOIN deliveries d ON d.vehicle_id = t.vehicle_id AND d.campaign_id = b.campaign_id
  ${JUDGED}
  WHERE ${deliverySourcesIn('verifyBoot', 'd.state')}
) v WHERE outcome IS NOT NULL`;

/** One stretch of one campaign's deliveries: the time-based part (observation windows ending). */
const BY_STRETCH_SQL = `
WITH span AS (
  SELECT id FROM deliveries WHERE campaign_id = $1 AND id > $2 ORDER BY id LIMIT $3
)
SELECT (SELECT count(*) FROM span)::int AS seen, (SELECT max(id) FROM span) AS last,
  (SELECT json_agg(v) FROM (
    SELECT d.id AS "deliveryId", d.campaign_id AS "campaignId", d.vehicle_id AS "vehicleId",
      ${VERDICT} AS outcome, ${REASON} AS reason
    FROM deliveries d ${JUDGED}
    WHERE d.id IN (SELECT id FROM span) AND ${deliverySourcesIn('verifyBoot', 'd.state')}
  ) v WHERE v.outcome IS NOT NULL) AS decided`;

/** Campaigns not ended with healthy boot on and, by the counters, something verifying. */
const BOOT_CAMPAIGNS_SQL = `
SELECT c.id FROM campaigns c
WHERE c.status IN ${sqlList(ACTIVE_CAMPAIGN_STATUSES)} AND c.boot_observation_s IS NOT NULL
  AND EXISTS (SELECT 1 FROM campaign_counters k WHERE k.campaign_id = c.id
              AND k.state = 'verifying' AND k.count > 0)`;

async function apply(pool: pg.Pool, decided: DecidedBoot[]): Promise<DecidedBoot[]> {
  if (decided.length === 0) return [];
  const changed = new Set((await verifyBoot(pool, decided)).map(Number));
  return decided.filter((d) => changed.has(Number(d.deliveryId)));
}

/**
 * Decides the verifying deliveries of vehicles whose status was just stored. Only campaigns
 * with something verifying (by their counters) are looked at; without any, a status batch
 * costs this one small query.
 */
export async function decideBootsOf(
  pool: pg.Pool,
  vehicleIds: readonly string[],
): Promise<DecidedBoot[]> {
  if (vehicleIds.length === 0) return [];
  const campaigns = await pool.query<{ id: string }>(BOOT_CAMPAIGNS_SQL);
  if (campaigns.rows.length === 0) return [];
  const { rows } = await pool.query<DecidedBoot>(BY_VEHICLES_SQL, [
    vehicleIds,
    campaigns.rows.map((c) => c.id),
  ]);
  return apply(pool, rows);
}

async function decideStretch(
  pool: pg.Pool,
  campaignId: string,
  window: DeliveryWindow,
): Promise<{ decided: DecidedBoot[]; next: number }> {
  const { rows } = await pool.query<{
    seen: number;
    last: string | null;
    decided: DecidedBoot[] | null;
  }>(BY_STRETCH_SQL, [campaignId, window.after, window.size]);
  const row = rows[0]!;
  return {
    decided: await apply(pool, row.decided ?? []),
    next: row.seen < window.size || row.last === null ? 0 : Number(row.last),
  };
}

/**
 * One pass of healthy-boot verification over every campaign that has deliveries verifying:
 * a stretch of each, continuing where the last pass stopped. Reports decide failures as they
 * arrive; this pass ends observation windows that ran out with no report to trigger it.
 */
export async function decideDueBoots(
  pool: pg.Pool,
  cursors: StretchCursors,
): Promise<DecidedBoot[]> {
  const { rows } = await pool.query<{ id: string }>(BOOT_CAMPAIGNS_SQL);
  cursors.retain(rows.map((r) => r.id));
  const out: DecidedBoot[] = [];
  for (const campaign of rows) {
    const result = await decideStretch(pool, campaign.id, cursors.window(campaign.id));
    cursors.advance(campaign.id, result.next);
    out.push(...result.decided);
  }
  return out;
}
