import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** Vehicle ids and notice ids of one seeded campaign, in the same order. */
export interface SeededAcks {
  campaignId: string;
  vehicleIds: string[];
  noticeIds: string[];
}

/**
 * A running campaign of `count` published deliveries, written set-based as the API would:
 * the state every ack benchmark starts from.
 */
export async function seedPublishedCampaign(
  pool: pg.Pool,
  count: number,
  tag: string,
): Promise<SeededAcks> {
  const campaignId = randomUUID();
  const head = tag
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 5)
    .padEnd(5, 'X');
  const vehicleIds = Array.from(
    { length: count },
    (_, i) => `${head}${String(i).padStart(12, '0')}`,
  );
  await pool.query(
    `INSERT INTO vehicles (id, model, region, software_version)
     SELECT unnest($1::text[]), 'bench', 'bench', '1.0.0' ON CONFLICT DO NOTHING`,
    [vehicleIds],
  );
  await pool.query(
    `INSERT INTO campaigns (id, name, update_id, update_version, update_url, update_sha256, update_size,
       status, target, expires_at, created_by)
     VALUES ($1, $2, 'bench', '2.0.0', 'https://updates.example.com/bench.bin', $3, 1, 'running',
       '{}'::jsonb, now() + interval '1 day', 'bench')`,
    [campaignId, `acks ${tag}`, 'b'.repeat(64)],
  );
  await pool.query(
    `INSERT INTO campaign_waves (campaign_id, index, percent, success_threshold, failure_threshold, size, state, started_at)
     VALUES ($1, 0, 100, 1, 1, $2, 'running', now())`,
    [campaignId, count],
  );
  const { rows } = await pool.query<{ vehicle_id: string; notice_id: string }>(
    `INSERT INTO deliveries (notice_id, campaign_id, vehicle_id, state, publishes, published_at)
     SELECT gen_random_uuid(), $1, v, 'published', 1, now() FROM unnest($2::text[]) AS t(v)
     RETURNING vehicle_id, notice_id`,
    [campaignId, vehicleIds],
  );
  const byVehicle = new Map(rows.map((r) => [r.vehicle_id, r.notice_id]));
  return { campaignId, vehicleIds, noticeIds: vehicleIds.map((v) => byVehicle.get(v)!) };
}

/** How many deliveries of the campaign the counters show in `state`. */
export async function counted(pool: pg.Pool, campaignId: string, state: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT COALESCE(sum(count), 0)::bigint AS n FROM campaign_counters WHERE campaign_id = $1 AND state = $2::delivery_state`,
    [campaignId, state],
  );
  return Number(rows[0]?.n ?? 0);
}
