import type pg from 'pg';
import type { CampaignTarget } from '@roadcast/contracts';
import type { PlannedWave } from './campaign-plan.js';
import { targetCondition } from './target-sql.js';

/**
 * Inserts one pending delivery per targeted vehicle in a single INSERT … SELECT, on the
 * caller's transaction. With several waves, vehicles are ordered by a hash of their id
 * salted with the campaign id (stable, and different for every campaign) and wave k gets
 * the rows up to its cumulative share. Returns the number of deliveries inserted.
 */
export async function materializeDeliveries(
  client: pg.PoolClient | pg.Pool,
  campaignId: string,
  target: CampaignTarget,
  waves: readonly PlannedWave[],
): Promise<number> {
  const where = targetCondition(target, 1);
  let waveExpr = '0';
  const values: unknown[] = [campaignId, ...where.values];
  if (waves.length > 1) {
    values.push(waves.slice(0, -1).map((w) => w.percent));
    // width_bucket counts the boundaries at or below the row's position (in percent).
    waveExpr = `width_bucket(
      (row_number() OVER (ORDER BY hashtext(v.id || $1::text), v.id) - 1) * 100.0::float8 / count(*) OVER (),
      $${values.length}::float8[])`;
  }
  const result = await client.query(
    `INSERT INTO deliveries (campaign_id, vehicle_id, notice_id, wave)
     SELECT $1::uuid, v.id, gen_random_uuid(), ${waveExpr}
     FROM vehicles v
     WHERE ${where.text}`,
    values,
  );
  return result.rowCount ?? 0;
}

/** Sets each wave's size from the exact counters the insert triggers just wrote. */
export async function recordWaveSizes(
  client: pg.PoolClient | pg.Pool,
  campaignId: string,
): Promise<void> {
  await client.query(
    `UPDATE campaign_waves w SET size = c.n
     FROM (SELECT wave, sum(count)::int AS n FROM campaign_counters WHERE campaign_id = $1 GROUP BY wave) c
     WHERE w.campaign_id = $1 AND w.index = c.wave`,
    [campaignId],
  );
}
