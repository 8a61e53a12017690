import type pg from 'pg';
import type {
  CampaignCompliance,
  ComponentInventory,
  ComponentList,
  VehicleInventory,
} from '@roadcast/contracts';
import { ApiError } from '../errors.js';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

/** What one vehicle last reported on its status topic; null if it never did. */
export async function vehicleInventory(
  pool: pg.Pool,
  vehicleId: string,
): Promise<VehicleInventory | null> {
  const [status, components] = await Promise.all([
    pool.query<{
      reportedAt: Date;
      receivedAt: Date;
      softwareVersion: string | null;
      health: 'healthy' | 'unhealthy' | null;
      bootedAt: Date | null;
      healthySince: Date | null;
    }>(
      `SELECT reported_at AS "reportedAt", received_at AS "receivedAt", software_version AS "softwareVersion",
         boot_health AS health, booted_at AS "bootedAt", healthy_since AS "healthySince"
       FROM vehicle_status WHERE vehicle_id = $1`,
      [vehicleId],
    ),
    pool.query<{ id: string; version: string; reportedAt: Date; since: Date }>(
      `SELECT component AS id, version, reported_at AS "reportedAt", since
       FROM vehicle_components WHERE vehicle_id = $1 ORDER BY component LIMIT 256`,
      [vehicleId],
    ),
  ]);
  const s = status.rows[0];
  if (!s) return null;
  return {
    reportedAt: s.reportedAt.toISOString(),
    receivedAt: s.receivedAt.toISOString(),
    softwareVersion: s.softwareVersion,
    boot: s.health
      ? { health: s.health, bootedAt: iso(s.bootedAt), healthySince: iso(s.healthySince) }
      : null,
    components: components.rows.map((c) => ({
      id: c.id,
      version: c.version,
      reportedAt: c.reportedAt.toISOString(),
      since: c.since.toISOString(),
    })),
  };
}

/** How many vehicles run each version: an index-only scan of (component, version, vehicle_id). */
const VERSIONS_SQL = `
SELECT version, count(*)::int AS vehicles FROM vehicle_components
WHERE component = $1 GROUP BY version ORDER BY vehicles DESC, version LIMIT 1000`;

/**
 * Of the vehicles a campaign targets (its deliveries), how many reported the component and how
 * many run the offered version: the campaign's deliveries through (campaign_id, id), each
 * probed in the (component, version, vehicle_id) index.
 */
const COMPLIANCE_SQL = `
SELECT c.update_id AS "updateId", c.update_version AS version,
  (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id)::int AS targeted,
  (SELECT count(*) FROM deliveries d JOIN vehicle_components k
     ON k.vehicle_id = d.vehicle_id AND k.component = c.update_id
   WHERE d.campaign_id = c.id)::int AS reporting,
  (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id AND EXISTS (
     SELECT 1 FROM vehicle_components k
     WHERE k.component = c.update_id AND k.version = c.update_version AND k.vehicle_id = d.vehicle_id))::int AS "onVersion"
FROM campaigns c WHERE c.id = $1`;

export async function campaignCompliance(
  pool: pg.Pool,
  campaignId: string,
  component: string,
): Promise<CampaignCompliance> {
  const { rows } = await pool.query<{
    updateId: string;
    version: string;
    targeted: number;
    reporting: number;
    onVersion: number;
  }>(COMPLIANCE_SQL, [campaignId]);
  const row = rows[0];
  if (!row) throw new ApiError('ROADCAST_ERR_CAMPAIGN_NOT_FOUND', 'campaign not found');
  if (row.updateId !== component)
    throw new ApiError(
      'ROADCAST_ERR_VALIDATION',
      `the campaign updates ${row.updateId}, not ${component}`,
      [{ path: '/campaignId', message: `the campaign updates ${row.updateId}` }],
    );
  return {
    campaignId,
    version: row.version,
    targeted: row.targeted,
    reporting: row.reporting,
    onVersion: row.onVersion,
    share: row.targeted === 0 ? 0 : row.onVersion / row.targeted,
  };
}

export async function componentInventory(
  pool: pg.Pool,
  component: string,
  campaignId: string | undefined,
): Promise<ComponentInventory> {
  const [versions, compliance] = await Promise.all([
    pool.query<{ version: string; vehicles: number }>(VERSIONS_SQL, [component]),
    campaignId ? campaignCompliance(pool, campaignId, component) : Promise.resolve(null),
  ]);
  return {
    component,
    vehicles: versions.rows.reduce((n, v) => n + v.vehicles, 0),
    versions: versions.rows,
    compliance,
  };
}

/**
 * The components vehicles report, with how many vehicles report each: one pass over the
 * (component, version, vehicle_id) index, bounded.
 */
export async function listComponents(pool: pg.Pool): Promise<ComponentList> {
  const { rows } = await pool.query<{ component: string; vehicles: number }>(
    `SELECT component, count(*)::int AS vehicles FROM vehicle_components
     GROUP BY component ORDER BY component LIMIT 500`,
  );
  return { items: rows };
}
