import type pg from 'pg';
import type { CampaignTarget } from '@roadcast/contracts';
import type { PlannedWave } from './campaign-plan.js';
import { targetCondition } from './target-sql.js';

/** Where a wave begins in the campaign's vehicle order, and how many vehicles it holds. */
export interface WaveStart {
  index: number;
  /** (hashtext(vehicle id || campaign id), vehicle id) of its first vehicle; null for wave 0,
   *  and for a wave at the end that no vehicle falls into. */
  startHash: number | null;
  startVehicleId: string | null;
  size: number;
}

export interface TargetPlan {
  targetSize: number;
  waves: WaveStart[];
}

/**
 * The vehicles a materialization takes: matching the target and registered no later than
 * the campaign was created, so vehicles added meanwhile do not shift the wave shares. The
 * creation time is parameter `offset + 1`, the target's values follow it.
 */
export function streamedTarget(
  target: CampaignTarget,
  offset: number,
): { text: string; values: unknown[] } {
  const where = targetCondition(target, offset + 1);
  return { text: `(${where.text}) AND v.created_at <= $${offset + 1}`, values: where.values };
}

/**
 * Counts the target and, with several waves, finds each wave's first vehicle in the
 * campaign's order (a hash of the vehicle id salted with the campaign id, then the id).
 * Wave k gets exactly the rows the single-statement materialization would give it: the
 * same order and the same `width_bucket` over cumulative percentages, evaluated once here,
 * so chunks written later only compare each vehicle with the stored starts.
 */
export async function planWaveBoundaries(
  client: pg.PoolClient | pg.Pool,
  campaignId: string,
  target: CampaignTarget,
  createdAt: Date,
  waves: readonly Pick<PlannedWave, 'index' | 'percent'>[],
): Promise<TargetPlan> {
  if (waves.length === 1) {
    const where = streamedTarget(target, 0);
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM vehicles v WHERE ${where.text}`,
      [createdAt, ...where.values],
    );
    const n = rows[0]?.n ?? 0;
    return { targetSize: n, waves: [{ index: 0, startHash: null, startVehicleId: null, size: n }] };
  }
  const where = streamedTarget(target, 1);
  const values: unknown[] = [campaignId, createdAt, ...where.values];
  values.push(waves.slice(0, -1).map((w) => w.percent));
  const percents = `$${values.length}::float8[]`;
  const { rows } = await client.query<{
    wave: number;
    h: number;
    id: string;
    r: number;
    n: number;
  }>(
    `WITH ordered AS (
       SELECT hashtext(v.id || $1::uuid::text) AS h, v.id,
              row_number() OVER (ORDER BY hashtext(v.id || $1::uuid::text), v.id) - 1 AS r,
              count(*) OVER () AS n
       FROM vehicles v WHERE ${where.text}
     ), waved AS (
       SELECT h, id, r, n, width_bucket(r * 100.0::float8 / n, ${percents}) AS wave FROM ordered
     )
     SELECT wave, h, id, r::int AS r, n::int AS n
     FROM (SELECT *, lag(wave) OVER (ORDER BY r) AS previous FROM waved) x
     WHERE previous IS DISTINCT FROM wave
     ORDER BY wave`,
    values,
  );
  const n = rows[0]?.n ?? 0;
  const starts = new Map(rows.map((r) => [r.wave, r]));
  const out: WaveStart[] = [];
  // Walk backwards so an empty wave can take the start of the next wave that has vehicles.
  let next: { h: number | null; id: string | null; r: number } = { h: null, id: null, r: n };
  for (let k = waves.length - 1; k >= 0; k -= 1) {
    const start = starts.get(k);
    const here = start ? { h: start.h, id: start.id, r: start.r } : next;
    out.unshift({
      index: k,
      startHash: k === 0 ? null : here.h,
      startVehicleId: k === 0 ? null : here.id,
      size: start ? next.r - start.r : 0,
    });
    next = here;
  }
  return { targetSize: n, waves: out };
}
