import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { loadConfig, TrackerSettings } from '@roadcast/config';
import { platformPasswordFile } from '@roadcast/testing';

export interface SeededCampaign {
  campaignId: string;
  vehicleIds: string[];
  /** Notice id of each vehicle's delivery. */
  notices: Map<string, string>;
}

export interface SeedOptions {
  vehicles: number;
  /** Cumulative percent, success and failure thresholds of each wave; one 100% wave by default. */
  waves?: Array<{ percent: number; success: number; failure: number }>;
  state?: 'pending' | 'published' | 'parked';
  expiresInMs?: number;
  status?: 'running' | 'scheduled';
  label?: string;
}

/** A running campaign whose deliveries were already published, written as the API would. */
export async function seedCampaign(pool: pg.Pool, options: SeedOptions): Promise<SeededCampaign> {
  const campaignId = randomUUID();
  const tag = (options.label ?? 'T')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 6);
  const vehicleIds = Array.from(
    { length: options.vehicles },
    (_, i) =>
      `${tag}${campaignId.slice(0, 4).toUpperCase()}${String(i).padStart(17 - tag.length - 4, '0')}`,
  );
  const waves = options.waves ?? [{ percent: 100, success: 1, failure: 1 }];
  await pool.query(
    `INSERT INTO vehicles (id, model, region, software_version) SELECT unnest($1::text[]), 'm', 'eu', '1.0.0'
     ON CONFLICT DO NOTHING`,
    [vehicleIds],
  );
  await pool.query(
    `INSERT INTO campaigns (id, name, update_id, update_version, update_url, update_sha256, update_size, status,
       target, expires_at, created_by, current_wave)
     VALUES ($1, 'test', 'infotainment', '2.0.0', 'https://updates.example.com/i.bin', $2, 1024, $3,
       '{}'::jsonb, now() + make_interval(secs => $4::double precision / 1000), 'test', 0)`,
    [campaignId, 'a'.repeat(64), options.status ?? 'running', options.expiresInMs ?? 3_600_000],
  );
  const bounds = waves.map((w) => Math.round((w.percent / 100) * vehicleIds.length));
  const waveOf = (i: number) => bounds.findIndex((b) => i < b);
  for (const [index, w] of waves.entries()) {
    const size = (bounds[index] ?? 0) - (index === 0 ? 0 : (bounds[index - 1] ?? 0));
    await pool.query(
      `INSERT INTO campaign_waves (campaign_id, index, percent, success_threshold, failure_threshold, size, state, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $2 = 0 THEN now() END)`,
      [
        campaignId,
        index,
        w.percent,
        w.success,
        w.failure,
        size,
        index === 0 ? 'running' : 'pending',
      ],
    );
  }
  const { rows } = await pool.query<{ vehicle_id: string; notice_id: string }>(
    `INSERT INTO deliveries (notice_id, campaign_id, vehicle_id, wave, state, publishes, published_at)
     SELECT gen_random_uuid(), $1, v, w, CASE WHEN w = 0 THEN $4::delivery_state ELSE 'pending' END, CASE WHEN w = 0 THEN 1 ELSE 0 END,
            CASE WHEN w = 0 THEN now() END
     FROM unnest($2::text[], $3::int[]) AS t(v, w)
     RETURNING vehicle_id, notice_id`,
    [campaignId, vehicleIds, vehicleIds.map((_, i) => waveOf(i)), options.state ?? 'published'],
  );
  return { campaignId, vehicleIds, notices: new Map(rows.map((r) => [r.vehicle_id, r.notice_id])) };
}

export async function registerBroker(
  pool: pg.Pool,
  brokerId: string,
  url: string,
  poolId = 'pool-a',
): Promise<void> {
  await pool.query(`INSERT INTO edge_pools (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, [
    poolId,
  ]);
  await pool.query(`INSERT INTO edge_brokers (id, pool_id, url) VALUES ($1, $2, $3)`, [
    brokerId,
    poolId,
    url,
  ]);
}

/** The counters next to a fresh count of the deliveries table, for one campaign. */
export async function countersAndTruth(
  pool: pg.Pool,
  campaignId: string,
): Promise<{ counters: Record<string, number>; truth: Record<string, number> }> {
  const toMap = (rows: Array<{ k: string; n: number }>) =>
    Object.fromEntries(rows.filter((r) => Number(r.n) !== 0).map((r) => [r.k, Number(r.n)]));
  const counters = await pool.query<{ k: string; n: number }>(
    `SELECT wave || ':' || state AS k, count AS n FROM campaign_counters WHERE campaign_id = $1`,
    [campaignId],
  );
  const truth = await pool.query<{ k: string; n: number }>(
    `SELECT wave || ':' || state AS k, count(*) AS n FROM deliveries WHERE campaign_id = $1 GROUP BY wave, state`,
    [campaignId],
  );
  return { counters: toMap(counters.rows), truth: toMap(truth.rows) };
}

export async function statesOf(pool: pg.Pool, campaignId: string): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ vehicle_id: string; state: string }>(
    `SELECT vehicle_id, state::text AS state FROM deliveries WHERE campaign_id = $1`,
    [campaignId],
  );
  return new Map(rows.map((r) => [r.vehicle_id, r.state]));
}

/** Tracker settings for a test: its own database, Redis prefix and instance name, fast timers. */
export function trackerSettings(env: Record<string, string>): TrackerSettings {
  return loadConfig(TrackerSettings, {
    env: {
      LOG_LEVEL: 'warn',
      TRACKER_ADMIN_PORT: '0',
      TRACKER_FLUSH_INTERVAL_MS: '20',
      TRACKER_SWEEP_INTERVAL_MS: '200',
      TRACKER_BROKER_REFRESH_MS: '500',
      TRACKER_EDGE_PASSWORD_FILE: platformPasswordFile('tracker'),
      ...env,
    },
  });
}

export async function eventually(
  check: () => Promise<boolean> | boolean,
  message: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Removes every Redis key under the prefix (test clean-up). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Jobs waiting in the notices queue, by name, with their payloads. */
export async function waitingNoticeJobs(
  queue: Queue,
): Promise<Array<{ name: string; data: Record<string, unknown> }>> {
  const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
  return jobs.map((j) => ({ name: j.name, data: j.data as Record<string, unknown> }));
}
