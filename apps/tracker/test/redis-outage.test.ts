/**
 * The tracker outlives a Redis outage and goes on by itself: reconnect events written after
 * Redis is back are handled without a restart, also when Redis came back without its data
 * (the event stream and its consumer group gone). The tracker's Redis is a private
 * redis-server this test kills.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createDb, type Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { bullPrefix, QUEUES } from '@roadcast/queue';
import { PresenceStore } from '@roadcast/routing';
import {
  createTestDatabase,
  startRedisServer,
  uniquePrefix,
  type RedisServer,
  type TestDatabase,
} from '@roadcast/testing';
import { startTracker, type Tracker } from '../src/tracker.js';
import { eventually, seedCampaign, trackerSettings, waitingNoticeJobs } from './fixtures.js';

let server: RedisServer;
let database: TestDatabase;
let db: Db;
let redis: Redis;
let queue: Queue;
let tracker: Tracker;
const prefix = uniquePrefix('tracker-outage');

before(async () => {
  server = await startRedisServer();
  database = await createTestDatabase({ label: 'tracker_outage' });
  db = createDb(database.url);
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  queue = new Queue(QUEUES.notices, { connection: redis, prefix: bullPrefix(prefix) });
  tracker = await startTracker(
    trackerSettings({
      DATABASE_URL: database.url,
      REDIS_URL: server.url,
      REDIS_PREFIX: prefix,
      TRACKER_INSTANCE_ID: `t-${process.pid}`,
      TRACKER_SWEEP_INTERVAL_MS: '600000',
    }),
    {
      logger: createLogger({ service: 'tracker-test', level: 'silent' }),
      registry: new Registry(),
    },
  );
});

after(async () => {
  await tracker.close();
  await queue.close();
  await redis.quit();
  await db.close();
  await database.drop();
  await server.stop();
});

async function reconnects(vehicleId: string): Promise<void> {
  await new PresenceStore({ redis, prefix }).record({
    vehicleId,
    brokerId: 'edge-1',
    poolId: 'pool-a',
    routerId: 'r1',
    connectionId: `c-${vehicleId}`,
    connectedAt: new Date().toISOString(),
    sessionPresent: false,
    protocolVersion: 5,
  });
}

async function republishedFor(deliveryId: number): Promise<boolean> {
  return (await waitingNoticeJobs(queue)).some(
    (j) => j.name === 'republish' && (j.data.deliveryIds as number[]).includes(deliveryId),
  );
}

async function deliveryOf(vehicleId: string): Promise<number> {
  const { rows } = await db.pool.query<{ id: string }>(
    'SELECT id FROM deliveries WHERE vehicle_id = $1',
    [vehicleId],
  );
  return Number(rows[0]!.id);
}

test('re-sends on reconnect after Redis was away, and after it came back empty', async () => {
  const campaign = await seedCampaign(db.pool, { vehicles: 2, state: 'parked', label: 'outage' });
  const [first, second] = campaign.vehicleIds as [string, string];

  await server.kill();
  await delay(3_000);
  await server.restart();
  await reconnects(first);
  const firstDelivery = await deliveryOf(first);
  await eventually(() => republishedFor(firstDelivery), 're-sent after the outage');

  // A Redis that lost everything: stream, consumer group and queues are gone.
  await redis.flushall();
  await reconnects(second);
  const secondDelivery = await deliveryOf(second);
  await eventually(() => republishedFor(secondDelivery), 're-sent after Redis lost its data');
  assert.ok(await republishedFor(secondDelivery));
});
