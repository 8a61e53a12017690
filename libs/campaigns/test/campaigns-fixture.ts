import { Redis } from 'ioredis';
import { createDb, type Db } from '@roadcast/db';
import { bullConnection, createPipelineQueues, type PipelineQueues } from '@roadcast/queue';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@roadcast/testing';
import type { PipelineDeps } from '../src/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface CampaignsFixture {
  db: Db;
  queues: PipelineQueues;
  deps: PipelineDeps;
  close(): Promise<void>;
}

/**
 * A database of its own with a fleet inserted by `fleetSql`, and queues under a prefix of
 * their own; `close` removes all of it.
 */
export async function startCampaignsFixture(
  label: string,
  fleetSql: string,
  deps: Pick<PipelineDeps, 'fanoutBatchSize' | 'materialization'>,
): Promise<CampaignsFixture> {
  const database: TestDatabase = await createTestDatabase(label);
  const db = createDb(database.url);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = uniquePrefix(label);
  const queues = createPipelineQueues(bullConnection(REDIS_URL), prefix);
  await db.pool.query(fleetSql);
  return {
    db,
    queues,
    deps: { pool: db.pool, queues, redis, prefix, ...deps },
    async close() {
      await queues.notices.obliterate({ force: true });
      await queues.campaigns.obliterate({ force: true });
      await queues.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await db.close();
      await database.drop();
    },
  };
}
