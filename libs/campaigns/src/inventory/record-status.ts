import type pg from 'pg';
import type { BootHealth } from '@roadcast/contracts';

/** One `vehicles/{id}/status` report: the vehicle id comes from the topic it arrived on. */
export interface StatusReport {
  vehicleId: string;
  /** The report's own time (`at`). */
  reportedAt: string;
  softwareVersion: string | null;
  components: readonly { id: string; version: string }[];
  bootHealth: BootHealth | null;
  bootedAt: string | null;
}

/**
 * Stores the latest status report of each vehicle in one statement: `vehicle_status` (one row
 * per vehicle) and `vehicle_components` (one row per vehicle and component), both upserted
 * set-based. Several reports of one vehicle in a batch collapse to the latest by its own time;
 * a report older than the stored one changes nothing, so redelivered or reordered reports are
 * harmless. Reports of vehicles nobody registered are dropped (the inventory belongs to the
 * registry). `vehicles` is never written: its `updated_at` means "registration changed" to
 * dynamic campaigns (docs/decisions/0341).
 *
 * Heap-only friendly: a report that repeats what is stored changes only `reported_at`,
 * `received_at` and the boot columns, none of them indexed. `since` (per component) and
 * `healthy_since` are the platform's clock: healthy boot compares them with `now()`, so a
 * vehicle's clock cannot shorten an observation window. A new boot (another `bootedAt`)
 * restarts `healthy_since`; an unhealthy report clears it. Rows are written in vehicle id
 * order, so concurrent trackers cannot deadlock each other.
 */
const RECORD_SQL = `
WITH input AS (
  SELECT DISTINCT ON (t.vehicle_id) t.vehicle_id, t.reported_at, t.software_version,
    t.boot_health, t.booted_at, t.components
  FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::boot_health[], $5::timestamptz[], $6::jsonb[])
    AS t(vehicle_id, reported_at, software_version, boot_health, booted_at, components)
  JOIN vehicles v ON v.id = t.vehicle_id
  ORDER BY t.vehicle_id, t.reported_at DESC
), status AS (
  INSERT INTO vehicle_status AS s
    (vehicle_id, reported_at, received_at, software_version, boot_health, booted_at, healthy_since)
  SELECT vehicle_id, reported_at, now(), software_version, boot_health, booted_at,
    CASE WHEN boot_health = 'healthy' THEN now() END
  FROM input ORDER BY vehicle_id
  ON CONFLICT (vehicle_id) DO UPDATE SET
    reported_at = excluded.reported_at,
    received_at = excluded.received_at,
    software_version = COALESCE(excluded.software_version, s.software_version),
    boot_health = COALESCE(excluded.boot_health, s.boot_health),
    booted_at = COALESCE(excluded.booted_at, s.booted_at),
    healthy_since = CASE
      WHEN excluded.boot_health IS NULL THEN s.healthy_since
      WHEN excluded.boot_health = 'unhealthy' THEN NULL
      WHEN s.boot_health IS DISTINCT FROM 'healthy' OR excluded.booted_at IS DISTINCT FROM s.booted_at
        THEN excluded.healthy_since
      ELSE COALESCE(s.healthy_since, excluded.healthy_since) END
  WHERE s.reported_at <= excluded.reported_at
  RETURNING s.vehicle_id
), component AS (
  SELECT DISTINCT ON (i.vehicle_id, c.id) i.vehicle_id, c.id AS component, c.version, i.reported_at
  FROM input i JOIN status USING (vehicle_id)
  CROSS JOIN LATERAL jsonb_to_recordset(i.components) AS c(id text, version text)
  ORDER BY i.vehicle_id, c.id
), components AS (
  INSERT INTO vehicle_components AS k (vehicle_id, component, version, reported_at, since)
  SELECT vehicle_id, component, version, reported_at, now() FROM component
  ORDER BY vehicle_id, component
  ON CONFLICT (vehicle_id, component) DO UPDATE SET
    version = excluded.version,
    reported_at = excluded.reported_at,
    since = CASE WHEN k.version = excluded.version THEN k.since ELSE excluded.since END
  WHERE k.reported_at <= excluded.reported_at
  RETURNING 1
)
SELECT COALESCE((SELECT array_agg(vehicle_id) FROM input), '{}') AS known,
  (SELECT count(*) FROM components)::int AS components,
  COALESCE((SELECT array_agg(vehicle_id ORDER BY vehicle_id) FROM status), '{}') AS stored`;

export interface RecordedStatus {
  /** Vehicles whose report was stored (the latest one they sent so far). */
  stored: string[];
  /** The registered vehicles among the batch's. */
  known: string[];
  /** Component rows written. */
  components: number;
}

export async function recordStatusReports(
  pool: pg.Pool | pg.PoolClient,
  reports: readonly StatusReport[],
): Promise<RecordedStatus> {
  if (reports.length === 0) return { stored: [], known: [], components: 0 };
  const { rows } = await pool.query<RecordedStatus>(RECORD_SQL, [
    reports.map((r) => r.vehicleId),
    reports.map((r) => r.reportedAt),
    reports.map((r) => r.softwareVersion),
    reports.map((r) => r.bootHealth),
    reports.map((r) => r.bootedAt),
    reports.map((r) => JSON.stringify(r.components)),
  ]);
  return rows[0]!;
}
