import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createDb, type Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { readEventRange, redisKeys } from '@roadcast/queue';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@roadcast/testing';
import { ProgressEvents } from '../src/progress-events.js';
import { REDIS_URL } from './bridge-fixture.js';

let database: TestDatabase;
let db: Db;
let redis: Redis;

before(async () => {
  database = await createTestDatabase('bridge-progress');
  db = createDb(database.url);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});

after(async () => {
  redis?.disconnect();
  await db?.close();
  await database?.drop();
});

async function seedCampaign(): Promise<string> {
  const id = randomUUID();
  await db.pool.query(
    `INSERT INTO campaigns (id, name, update_id, update_version, update_url, update_sha256, update_size,
       status, target, start_at, expires_at, created_by)
     VALUES ($1, 'progress', 'head-unit', '2.0.0', 'https://updates.example.com/h.bin', $2, 1,
       'running', '{}'::jsonb, now(), now() + interval '1 hour', 'test')`,
    [id, 'a'.repeat(64)],
  );
  return id;
}

async function setParked(campaignId: string, count: number): Promise<void> {
  await db.pool.query(
    `INSERT INTO campaign_counters (campaign_id, wave, state, count) VALUES ($1, 0, 'parked', $2)
     ON CONFLICT (campaign_id, wave, state) DO UPDATE SET count = EXCLUDED.count`,
    [campaignId, count],
  );
}

async function parkedCounts(prefix: string, campaignId: string): Promise<number[]> {
  const { events } = await readEventRange(redis, prefix, '0', 1_000);
  return events
    .map((s) => s.event)
    .filter((e) => e.type === 'campaign.progress' && e.campaignId === campaignId)
    .map((e) => (e.data as { counts: { parked: number } }).counts.parked);
}

test('a burst of changes inside one interval ends with an event that carries the final counts', async () => {
  const prefix = uniquePrefix('bridge-progress');
  const campaignId = await seedCampaign();
  const progress = new ProgressEvents(
    { pool: db.pool, redis, prefix, logger: createLogger({ level: 'silent', service: 'bridge' }) },
    200,
  );
  await setParked(campaignId, 2);
  progress.note(campaignId); // leading edge: emitted at once
  await sleep(50);
  await setParked(campaignId, 4);
  progress.note(campaignId); // inside the interval: held
  await setParked(campaignId, 6);
  progress.note(campaignId); // coalesced with the one held
  await sleep(400);
  assert.deepEqual(await parkedCounts(prefix, campaignId), [2, 6]);
  await progress.close();
  await redis.del(redisKeys.events(prefix));
});

test('closing emits what a trailing timer still held', async () => {
  const prefix = uniquePrefix('bridge-progress');
  const campaignId = await seedCampaign();
  const progress = new ProgressEvents(
    { pool: db.pool, redis, prefix, logger: createLogger({ level: 'silent', service: 'bridge' }) },
    60_000,
  );
  await setParked(campaignId, 1);
  progress.note(campaignId);
  await setParked(campaignId, 3);
  progress.note(campaignId);
  await progress.close();
  assert.deepEqual(await parkedCounts(prefix, campaignId), [1, 3]);
  await redis.del(redisKeys.events(prefix));
});
