import type pg from 'pg';
import type { CampaignStatusName, DeliveryStateName } from '@roadcast/contracts';

/** What a notice needs from its campaign. */
export interface CampaignNoticeFields {
  campaignId: string;
  campaignStatus: CampaignStatusName;
  updateId: string;
  updateVersion: string;
  updateUrl: string;
  updateSha256: string;
  updateSize: number;
  priority: number;
  expiresAt: Date;
}

/** A delivery with what its notice needs from the campaign. */
export interface DeliveryToPublish extends CampaignNoticeFields {
  id: number;
  vehicleId: string;
  noticeId: string;
  state: DeliveryStateName;
  /** The vehicle's sticky edge pool as stored, or null when it has none yet. */
  poolId: string | null;
}

interface CampaignGroupRow extends CampaignNoticeFields {
  /** id, vehicle id, notice id, state and pool id of each delivery, see FIELD and RECORD. */
  deliveries: string;
}

// Separators no vehicle id, pool id, uuid or state contains: splitting one string is far
// cheaper than parsing a Postgres array per column.
const FIELD = '\x1f';
const RECORD = '\x1e';

/**
 * Deliveries by id that are still in one of `states`, in id order, with their campaign's
 * notice fields and their vehicle's sticky pool: one round trip that returns each campaign
 * once with its deliveries packed into one string, so nothing per delivery is parsed twice.
 */
export async function loadDeliveries(
  pool: pg.Pool,
  ids: readonly number[],
  states: readonly DeliveryStateName[],
): Promise<DeliveryToPublish[]> {
  const { rows } = await pool.query<CampaignGroupRow>(
    `SELECT c.id AS "campaignId", c.status AS "campaignStatus", c.update_id AS "updateId",
            c.update_version AS "updateVersion", c.update_url AS "updateUrl",
            c.update_sha256 AS "updateSha256", c.update_size AS "updateSize", c.priority,
            c.expires_at AS "expiresAt",
            string_agg(concat_ws(E'\\x1f', d.id, d.vehicle_id, d.notice_id, d.state, v.pool_id),
                       E'\\x1e' ORDER BY d.id) AS deliveries
     FROM deliveries d
     JOIN campaigns c ON c.id = d.campaign_id
     LEFT JOIN vehicles v ON v.id = d.vehicle_id
     WHERE d.id = ANY($1::bigint[]) AND d.state = ANY($2::delivery_state[])
     GROUP BY c.id`,
    [ids, states],
  );
  const out: DeliveryToPublish[] = [];
  for (const { deliveries, ...row } of rows) {
    const campaign: CampaignNoticeFields = { ...row, updateSize: Number(row.updateSize) };
    for (const record of deliveries.split(RECORD)) {
      const [id, vehicleId, noticeId, state, poolId] = record.split(FIELD);
      out.push({
        ...campaign,
        id: Number(id),
        vehicleId: vehicleId!,
        noticeId: noticeId!,
        state: state as DeliveryStateName,
        poolId: poolId ?? null,
      });
    }
  }
  if (rows.length > 1) out.sort((a, b) => a.id - b.id);
  return out;
}

/** Which of these deliveries are cancelled now (a read: the cancel itself is libs/campaigns'). */
export async function cancelledAmong(pool: pg.Pool, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<{ id: number }>(
    `SELECT id FROM deliveries WHERE id = ANY($1::bigint[]) AND state = 'cancelled' ORDER BY id`,
    [ids],
  );
  return rows.map((r) => r.id);
}
