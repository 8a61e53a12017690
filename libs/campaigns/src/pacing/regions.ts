import type pg from 'pg';
import type { Region } from '@roadcast/contracts';
import { InvalidTimeZone } from '../errors.js';
import { isKnownTimeZone } from './maintenance-windows.js';

interface RegionRow {
  id: string;
  timeZone: string;
  updatedAt: Date;
}

const toRegion = (r: RegionRow): Region => ({
  id: r.id,
  timeZone: r.timeZone,
  updatedAt: r.updatedAt.toISOString(),
});

/** Configured regions in id order; a region without a row is read in UTC. */
export async function listRegions(pool: pg.Pool): Promise<Region[]> {
  const { rows } = await pool.query<RegionRow>(
    `SELECT id, time_zone AS "timeZone", updated_at AS "updatedAt" FROM regions ORDER BY id`,
  );
  return rows.map(toRegion);
}

/** Sets (or first configures) the time zone a region's maintenance windows are read in. */
export async function setRegionTimeZone(
  pool: pg.Pool,
  id: string,
  timeZone: string,
): Promise<Region> {
  if (!isKnownTimeZone(timeZone))
    throw new InvalidTimeZone(`unknown time zone '${timeZone}'`);
  const { rows } = await pool.query<RegionRow>(
    `INSERT INTO regions (id, time_zone) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET time_zone = EXCLUDED.time_zone, updated_at = now()
     RETURNING id, time_zone AS "timeZone", updated_at AS "updatedAt"`,
    [id, timeZone],
  );
  return toRegion(rows[0]!);
}

/** Every configured region's time zone, for schedulers that read many vehicles at once. */
export async function regionTimeZones(pool: pg.Pool): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ id: string; timeZone: string }>(
    `SELECT id, time_zone AS "timeZone" FROM regions`,
  );
  return new Map(rows.map((r) => [r.id, r.timeZone]));
}
