import type pg from 'pg';
import type {
  Campaign,
  CampaignDetail,
  CampaignList,
  CampaignListQuery,
  DeliveryCounts,
  DeliveryList,
  DeliveryListQuery,
  DeliveryStateName,
  WaveProgress,
} from '@roadcast/contracts';
import { ACTIVE_CAMPAIGN_STATUSES, UUID_PATTERN } from '@roadcast/contracts';
import { CAMPAIGN_COLUMNS, toCampaign, zeroCounts, type CampaignRow } from './campaign-row.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { CampaignNotFound, InvalidCursor } from './errors.js';

interface CounterRow {
  campaignId: string;
  wave: number;
  state: DeliveryStateName;
  count: number;
}

/** Per-campaign and per-wave counts from campaign_counters; deliveries are never scanned. */
async function readCounters(pool: pg.Pool, ids: readonly string[]): Promise<CounterRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<CounterRow>(
    `SELECT campaign_id AS "campaignId", wave, state, count FROM campaign_counters WHERE campaign_id = ANY($1::uuid[])`,
    [ids],
  );
  return rows;
}

function totals(rows: readonly CounterRow[]): Map<string, DeliveryCounts> {
  const out = new Map<string, DeliveryCounts>();
  for (const r of rows) {
    const counts = out.get(r.campaignId) ?? zeroCounts();
    counts[r.state] += Number(r.count);
    out.set(r.campaignId, counts);
  }
  return out;
}

/** One campaign with counts by state and per-wave progress, or undefined. */
interface WaveJson {
  index: number;
  percent: number;
  successThreshold: number;
  failureThreshold: number;
  size: number;
  state: WaveProgress['state'];
  requiresApproval: boolean;
  approvedAt: string | null;
  approvedBy: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

const isoOrNull = (value: string | null): string | null =>
  value ? new Date(value).toISOString() : null;

/**
 * One campaign with counts by state and per-wave progress, or undefined. One round trip:
 * waves and counters come back as JSON beside the campaign row, since this is the query
 * dashboards poll.
 */
export async function getCampaignDetail(
  pool: pg.Pool,
  id: string,
): Promise<CampaignDetail | undefined> {
  const { rows } = await pool.query<
    CampaignRow & {
      waves: WaveJson[] | null;
      counters: Array<[number, DeliveryStateName, number]> | null;
      targetSize: number | null;
      materializedAt: Date | null;
    }
  >(
    `SELECT ${CAMPAIGN_COLUMNS}, c.target_size AS "targetSize", c.materialized_at AS "materializedAt",
       (SELECT json_agg(json_build_object(
           'index', w.index, 'percent', w.percent, 'successThreshold', w.success_threshold,
           'failureThreshold', w.failure_threshold, 'size', w.size, 'state', w.state,
           'requiresApproval', w.requires_approval, 'approvedAt', w.approved_at,
           'approvedBy', w.approved_by, 'startedAt', w.started_at, 'completedAt', w.completed_at)
           ORDER BY w.index)
        FROM campaign_waves w WHERE w.campaign_id = c.id) AS waves,
       (SELECT json_agg(json_build_array(k.wave, k.state, k.count))
        FROM campaign_counters k WHERE k.campaign_id = c.id) AS counters
     FROM campaigns c WHERE c.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const total = zeroCounts();
  const byWave = new Map<number, DeliveryCounts>();
  for (const [wave, state, count] of row.counters ?? []) {
    const counts = byWave.get(wave) ?? zeroCounts();
    counts[state] += Number(count);
    total[state] += Number(count);
    byWave.set(wave, counts);
  }
  const { waves, counters: _counters, targetSize, materializedAt, ...campaign } = row;
  const detail = toCampaign(campaign, total);
  return {
    ...detail,
    materialization: {
      state: materializedAt
        ? 'done'
        : ACTIVE_CAMPAIGN_STATUSES.includes(campaign.status)
          ? 'materializing'
          : 'stopped',
      target: targetSize,
      written: detail.total,
    },
    waves: (waves ?? []).map((w) => ({
      ...w,
      approvedAt: isoOrNull(w.approvedAt),
      startedAt: isoOrNull(w.startedAt),
      completedAt: isoOrNull(w.completedAt),
      counts: byWave.get(w.index) ?? zeroCounts(),
    })),
  };
}

type CampaignCursor = [string, string];
const UUID = new RegExp(UUID_PATTERN);
// Exactly what listCampaigns encodes (an ISO time and a uuid), so Postgres never sees a value
// it cannot cast: a tampered cursor is refused as invalid, not failed as an internal error.
const isCampaignCursor = (v: unknown): v is CampaignCursor =>
  Array.isArray(v) &&
  v.length === 2 &&
  typeof v[0] === 'string' &&
  typeof v[1] === 'string' &&
  UUID.test(v[1]) &&
  Date.parse(v[0]) >= 0 &&
  new Date(Date.parse(v[0])).toISOString() === v[0];

/** Newest first, optionally by status, with a cursor for the next page. */
export async function listCampaigns(
  pool: pg.Pool,
  query: CampaignListQuery,
): Promise<CampaignList> {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor, isCampaignCursor);
  if (query.cursor && !cursor) throw new InvalidCursor();
  const values: unknown[] = [limit + 1];
  const where: string[] = [];
  if (query.status) {
    values.push(query.status);
    where.push(`c.status = $${values.length}`);
  }
  if (cursor) {
    values.push(cursor[0], cursor[1]);
    where.push(
      `(c.created_at, c.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`,
    );
  }
  const { rows } = await pool.query<CampaignRow>(
    `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY c.created_at DESC, c.id DESC LIMIT $1`,
    values,
  );
  const page = rows.slice(0, limit);
  const counts = totals(
    await readCounters(
      pool,
      page.map((r) => r.id),
    ),
  );
  const items: Campaign[] = page.map((r) => toCampaign(r, counts.get(r.id) ?? zeroCounts()));
  const last = page[page.length - 1];
  return {
    items,
    nextCursor:
      rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
  };
}

const isIdCursor = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A campaign's deliveries in id order, optionally in one state. */
export async function listDeliveries(
  pool: pg.Pool,
  campaignId: string,
  query: DeliveryListQuery,
): Promise<DeliveryList> {
  const limit = query.limit ?? 100;
  const after = decodeCursor(query.cursor, isIdCursor);
  if (query.cursor && after === undefined) throw new InvalidCursor();
  const exists = await pool.query('SELECT 1 FROM campaigns WHERE id = $1', [campaignId]);
  if (exists.rows.length === 0) throw new CampaignNotFound();
  const values: unknown[] = [campaignId, after ?? 0, limit + 1];
  let stateCondition = '';
  if (query.state) {
    values.push(query.state);
    stateCondition = `AND state = $${values.length}`;
  }
  const { rows } = await pool.query<{
    id: number;
    vehicleId: string;
    noticeId: string;
    wave: number;
    state: DeliveryStateName;
    attempt: number;
    publishes: number;
    brokerId: string | null;
    lastError: string | null;
    updatedAt: Date;
  }>(
    `SELECT id, vehicle_id AS "vehicleId", notice_id AS "noticeId", wave, state, attempt, publishes,
            broker_id AS "brokerId", last_error AS "lastError", updated_at AS "updatedAt"
     FROM deliveries WHERE campaign_id = $1 AND id > $2 ${stateCondition}
     ORDER BY id LIMIT $3`,
    values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ ...r, updatedAt: r.updatedAt.toISOString() })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
  };
}
