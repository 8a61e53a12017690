/**
 * Real Postgres and Redis for this project's tests: a fresh migrated database per test file
 * (from the shared test harness) and a unique Redis prefix, both removed afterwards.
 */
import { Redis } from 'ioredis';
import { createDb, type Db } from '@roadcast/db';
import { createTestDatabase, uniquePrefix } from '@roadcast/testing';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

export async function openTestDatabase(label: string): Promise<TestDatabase> {
  const database = await createTestDatabase({ label });
  const db = createDb(database.url, { poolSize: 4, applicationName: 'roadcast-test' });
  return {
    url: database.url,
    db,
    async drop() {
      await db.close();
      await database.drop();
    },
  };
}

export function testPrefix(label: string): string {
  return uniquePrefix(label);
}

/** Deletes every key under the prefix. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export function openRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
}

/** n vehicles with VIN-shaped ids, one INSERT. */
export async function insertVehicles(db: Db, n: number, tag = 'T'): Promise<string[]> {
  const ids = Array.from(
    { length: n },
    (_, i) => `${tag}${String(i).padStart(17 - tag.length, '0')}`,
  );
  await db.pool.query(
    `INSERT INTO vehicles (id, model, region, software_version)
     SELECT id, 'model-x', 'eu', '1.0.0' FROM unnest($1::text[]) AS id`,
    [ids],
  );
  return ids;
}

export async function insertPool(
  db: Db,
  id: string,
  weight = 100,
  state = 'active',
): Promise<void> {
  await db.pool.query(
    `INSERT INTO edge_pools (id, name, weight, state) VALUES ($1, $1, $2, $3::pool_state)`,
    [id, weight, state],
  );
}

export async function insertBroker(
  db: Db,
  id: string,
  poolId: string,
  weight = 100,
  state = 'active',
): Promise<void> {
  await db.pool.query(
    `INSERT INTO edge_brokers (id, pool_id, url, weight, state) VALUES ($1, $2, $3, $4, $5::pool_state)`,
    [id, poolId, `mqtt://127.0.0.1:1/${id}`, weight, state],
  );
}
