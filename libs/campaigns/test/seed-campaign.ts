import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CampaignStatusName, DeliveryStateName, WaveStateName } from '@roadcast/contracts';

export interface SeedWave {
  state: WaveStateName;
  requiresApproval?: boolean;
}

export interface SeedOptions {
  status: CampaignStatusName;
  /** One delivery per entry, in this state, in wave 0 unless `waveOf` says otherwise. */
  deliveries: readonly DeliveryStateName[];
  waves?: readonly SeedWave[];
  waveOf?: (index: number) => number;
  expiresInSeconds?: number;
  startInSeconds?: number;
  /** Columns of `campaigns` to set besides, e.g. { in_progress_timeout_s: 60 }. */
  columns?: Record<string, unknown>;
}

export interface SeededCampaign {
  id: string;
  /** Delivery ids in the order of `deliveries`. */
  deliveryIds: number[];
  vehicleIds: string[];
}

let serial = 0;

/**
 * A campaign written directly in any status, with deliveries in any state: the transition
 * tests start every operation from every state without walking a real campaign there.
 */
export async function seedCampaign(pool: pg.Pool, options: SeedOptions): Promise<SeededCampaign> {
  const id = randomUUID();
  serial += 1;
  const vehicleIds = options.deliveries.map(
    (_, i) => `SD${process.pid}x${serial}x${String(i).padStart(3, '0')}`,
  );
  await pool.query(
    `INSERT INTO vehicles (id, model, region, software_version) SELECT unnest($1::text[]), 'm', 'eu', '1.0.0'`,
    [vehicleIds],
  );
  const columns = Object.keys(options.columns ?? {});
  await pool.query(
    `INSERT INTO campaigns (id, name, update_id, update_version, update_url, update_sha256, update_size,
       status, target, start_at, expires_at, created_by ${columns.map((c) => `, ${c}`).join('')})
     VALUES ($1, 'seeded', 'head-unit', '2.0.0', 'https://updates.example.com/h.bin', $2, 1, $3, '{}'::jsonb,
       now() + make_interval(secs => $4::float8), now() + make_interval(secs => $5::float8), 'test'
       ${columns.map((_, i) => `, $${i + 6}`).join('')})`,
    [
      id,
      'a'.repeat(64),
      options.status,
      options.startInSeconds ?? -60,
      options.expiresInSeconds ?? 3600,
      ...Object.values(options.columns ?? {}),
    ],
  );
  const waves = options.waves ?? [{ state: 'running' }];
  for (const [index, w] of waves.entries()) {
    await pool.query(
      `INSERT INTO campaign_waves (campaign_id, index, percent, success_threshold, failure_threshold, state,
         requires_approval, started_at)
       VALUES ($1, $2, $3, 0.5, 0.5, $4::wave_state, $5,
         CASE WHEN $4::wave_state IN ('running', 'done') THEN now() END)`,
      [id, index, ((index + 1) / waves.length) * 100, w.state, w.requiresApproval ?? false],
    );
  }
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO deliveries (campaign_id, vehicle_id, notice_id, wave, state)
     SELECT $1, v, gen_random_uuid(), w, s::delivery_state
     FROM unnest($2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS t(v, w, s, n)
     ORDER BY n
     RETURNING id`,
    [
      id,
      vehicleIds,
      options.deliveries.map((_, i) => options.waveOf?.(i) ?? 0),
      options.deliveries,
    ],
  );
  return { id, deliveryIds: rows.map((r) => r.id).sort((a, b) => a - b), vehicleIds };
}

/** State of each delivery, by id. */
export async function statesById(
  pool: pg.Pool,
  ids: readonly number[],
): Promise<Map<number, DeliveryStateName>> {
  const { rows } = await pool.query<{ id: number; state: DeliveryStateName }>(
    'SELECT id, state FROM deliveries WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.state]));
}

export async function campaignStatus(pool: pg.Pool, id: string): Promise<CampaignStatusName> {
  const { rows } = await pool.query<{ status: CampaignStatusName }>(
    'SELECT status FROM campaigns WHERE id = $1',
    [id],
  );
  return rows[0]!.status;
}
