import type pg from 'pg';
import {
  OPEN_DELIVERY_STATES,
  VEHICLE_ID_PATTERN,
  type Vehicle,
  type VehicleDetail,
  type VehicleInput,
  type VehicleList,
  type VehicleListQuery,
} from '@roadcast/contracts';
import { decodeCursor, encodeCursor, sqlList } from '@roadcast/campaigns';
import type { PresenceStore } from '@roadcast/routing';
import { ApiError } from '../errors.js';
import { vehicleInventory } from './inventory-store.js';

const COLUMNS = `id, model, region, software_version AS "softwareVersion", tags, pool_id AS "poolId", pinned,
  last_seen_at AS "lastSeenAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

interface VehicleRow extends Omit<Vehicle, 'lastSeenAt' | 'createdAt' | 'updatedAt'> {
  lastSeenAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const toVehicle = (r: VehicleRow): Vehicle => ({
  ...r,
  lastSeenAt: r.lastSeenAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/**
 * Registers or updates vehicles in one statement (unnest arrays). A request naming the
 * same id twice keeps the last entry. Sticky pool assignments are left as they are.
 */
export async function upsertVehicles(
  pool: pg.Pool,
  vehicles: readonly VehicleInput[],
): Promise<{ created: number; updated: number }> {
  const byId = new Map(vehicles.map((v) => [v.id, v]));
  const list = [...byId.values()];
  const { rows } = await pool.query<{ inserted: boolean }>(
    `INSERT INTO vehicles (id, model, region, software_version, tags)
     SELECT v.id, v.model, v.region, v.version, ARRAY(SELECT jsonb_array_elements_text(v.tags::jsonb))
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(id, model, region, version, tags)
     ON CONFLICT (id) DO UPDATE SET
       model = EXCLUDED.model, region = EXCLUDED.region, software_version = EXCLUDED.software_version,
       tags = EXCLUDED.tags, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [
      list.map((v) => v.id),
      list.map((v) => v.model),
      list.map((v) => v.region),
      list.map((v) => v.softwareVersion),
      list.map((v) => JSON.stringify(v.tags ?? [])),
    ],
  );
  const created = rows.filter((r) => r.inserted).length;
  return { created, updated: rows.length - created };
}

/** One vehicle with its presence and the deliveries it has not finished. */
export async function getVehicle(
  pool: pg.Pool,
  presence: PresenceStore,
  id: string,
): Promise<VehicleDetail | undefined> {
  const [vehicle, deliveries, present, inventory] = await Promise.all([
    pool.query<VehicleRow>(`SELECT ${COLUMNS} FROM vehicles WHERE id = $1`, [id]),
    pool.query<{
      campaignId: string;
      noticeId: string;
      state: VehicleDetail['openDeliveries'][number]['state'];
      brokerId: string | null;
      updatedAt: Date;
    }>(
      `SELECT campaign_id AS "campaignId", notice_id AS "noticeId", state, broker_id AS "brokerId", updated_at AS "updatedAt"
       FROM deliveries WHERE vehicle_id = $1 AND state IN ${sqlList(OPEN_DELIVERY_STATES)}
       ORDER BY id DESC LIMIT 100`,
      [id],
    ),
    presence.get(id),
    vehicleInventory(pool, id),
  ]);
  const row = vehicle.rows[0];
  if (!row) return undefined;
  return {
    ...toVehicle(row),
    presence: present
      ? {
          brokerId: present.brokerId,
          poolId: present.poolId,
          routerId: present.routerId,
          connectedAt: present.connectedAt,
          sessionPresent: present.sessionPresent,
          protocolVersion: present.protocolVersion,
        }
      : null,
    openDeliveries: deliveries.rows.map((d) => ({ ...d, updatedAt: d.updatedAt.toISOString() })),
    inventory,
  };
}

const VEHICLE_ID = new RegExp(VEHICLE_ID_PATTERN);
// Only a vehicle id can be a cursor: anything else (a NUL byte Postgres refuses) is a 400.
const isIdCursor = (v: unknown): v is string => typeof v === 'string' && VEHICLE_ID.test(v);

/** Vehicles in id order matching every given filter. */
export async function listVehicles(pool: pg.Pool, query: VehicleListQuery): Promise<VehicleList> {
  const limit = query.limit ?? 100;
  const after = decodeCursor(query.cursor, isIdCursor);
  if (query.cursor && after === undefined)
    throw new ApiError('ROADCAST_ERR_INVALID_CURSOR', 'cursor is not valid');
  const values: unknown[] = [];
  const where: string[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (query.model) add('model = ?', query.model);
  if (query.region) add('region = ?', query.region);
  if (query.softwareVersion) add('software_version = ?', query.softwareVersion);
  if (query.tag) add('tags @> ARRAY[?]::text[]', query.tag);
  if (after !== undefined) add('id > ?', after);
  values.push(limit + 1);
  const { rows } = await pool.query<VehicleRow>(
    `SELECT ${COLUMNS} FROM vehicles ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${values.length}`,
    values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toVehicle),
    nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
  };
}
