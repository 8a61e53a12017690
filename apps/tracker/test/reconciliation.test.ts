import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createDb, type Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { bullPrefix, QUEUES, redisKeys } from '@roadcast/queue';
import { PresenceStore } from '@roadcast/routing';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@roadcast/testing';
import { startTracker, type Tracker } from '../src/tracker.js';
import {
  deleteKeys,
  eventually,
  seedCampaign,
  trackerSettings,
  waitingNoticeJobs,
} from './fixtures.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
let database: TestDatabase;
let db: Db;
let redis: Redis;
let queue: Queue;
let tracker: Tracker;
const prefix = uniquePrefix('tracker-reconcile');
const logger = createLogger({ service: 'tracker-test', level: 'warn' });

before(async () => {
  database = await createTestDatabase({ label: 'tracker_reconcile' });
  db = createDb(database.url);
  redis = new Redis(REDIS_URL);
  queue = new Queue(QUEUES.notices, { connection: redis, prefix: bullPrefix(prefix) });
  tracker = await startTracker(
    trackerSettings({
      DATABASE_URL: database.url,
      REDIS_PREFIX: prefix,
      TRACKER_INSTANCE_ID: `t-${process.pid}`,
      TRACKER_SWEEP_INTERVAL_MS: '600000',
      TRACKER_RETRY_DELAY_MS: '1000',
      TRACKER_RETRY_MAX_ATTEMPTS: '2',
    }),
    { logger, registry: new Registry() },
  );
});

after(async () => {
  await tracker.close();
  await queue.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
  await db.close();
  await database.drop();
});

function connectEvent(
  vehicleId: string,
  session: { brokerId: string; present: boolean } = { brokerId: 'edge-b', present: false },
): Promise<unknown> {
  return redis.xadd(
    redisKeys.presenceEvents(prefix),
    '*',
    'type',
    'connect',
    'vehicleId',
    vehicleId,
    'brokerId',
    session.brokerId,
    'poolId',
    'pool-b',
    'routerId',
    'r1',
    'connectionId',
    'c1',
    'sessionPresent',
    String(session.present),
    'at',
    new Date().toISOString(),
  );
}

async function deliveryId(vehicleId: string, campaignId: string): Promise<number> {
  const { rows } = await db.pool.query<{ id: string }>(
    `SELECT id FROM deliveries WHERE vehicle_id = $1 AND campaign_id = $2`,
    [vehicleId, campaignId],
  );
  return Number(rows[0]?.id);
}

async function republishedIds(reason: string): Promise<number[]> {
  return (await waitingNoticeJobs(queue))
    .filter((j) => j.name === 'republish' && j.data.reason === reason)
    .flatMap((j) => j.data.deliveryIds as number[])
    .sort((a, b) => a - b);
}

test('on connect, re-sends exactly the vehicle’s unacknowledged deliveries of running campaigns in started waves', async () => {
  const live = await seedCampaign(db.pool, { vehicles: 4, state: 'parked', label: 'live' });
  const [v1, v2, v3, v4] = live.vehicleIds as [string, string, string, string];
  // v2 already acknowledged; v3 also has a delivery in a campaign that expired.
  await db.pool.query(`UPDATE deliveries SET state = 'received' WHERE vehicle_id = $1`, [v2]);
  const expired = await seedCampaign(db.pool, { vehicles: 1, label: 'old', expiresInMs: -1_000 });
  await db.pool.query(`UPDATE deliveries SET vehicle_id = $1 WHERE campaign_id = $2`, [
    v3,
    expired.campaignId,
  ]);
  // v4's delivery belongs to a wave that has not started.
  await db.pool.query(`UPDATE deliveries SET wave = 1 WHERE vehicle_id = $1 AND campaign_id = $2`, [
    v4,
    live.campaignId,
  ]);

  for (const v of [v1, v2, v3, v4]) await connectEvent(v);
  const { rows } = await db.pool.query<{ id: number }>(
    `SELECT id FROM deliveries WHERE campaign_id = $1 AND vehicle_id = ANY($2) ORDER BY id`,
    [live.campaignId, [v1, v3]],
  );
  const expected = rows.map((r) => Number(r.id));
  await eventually(
    async () => (await republishedIds('reconnect')).length >= expected.length,
    'republish enqueued',
  );
  assert.deepEqual(await republishedIds('reconnect'), expected);
  const seen = await db.pool.query(
    `SELECT count(*)::int AS n FROM vehicles WHERE id = ANY($1) AND last_seen_at IS NOT NULL`,
    [[v1, v2, v3, v4]],
  );
  assert.equal(seen.rows[0].n, 4);
  // Every event was acknowledged in the consumer group.
  const pending = (await redis.xpending(redisKeys.presenceEvents(prefix), 'tracker')) as [number];
  assert.equal(pending[0], 0);
});

test('on connect, leaves out what the broker still holds in the session it resumed', async () => {
  const seeded = await seedCampaign(db.pool, { vehicles: 4, state: 'published', label: 'held' });
  const [held, moved, fresh, parked] = seeded.vehicleIds as [string, string, string, string];
  await db.pool.query(`UPDATE deliveries SET broker_id = 'edge-a' WHERE campaign_id = $1`, [
    seeded.campaignId,
  ]);
  await db.pool.query(`UPDATE deliveries SET state = 'parked' WHERE vehicle_id = $1`, [parked]);
  await queue.drain();
  // Back on the broker that holds its session: nothing to re-send.
  await connectEvent(held, { brokerId: 'edge-a', present: true });
  // Failed over to another broker, whose resumed session cannot hold this notice.
  await connectEvent(moved, { brokerId: 'edge-b', present: true });
  // The broker lost the session.
  await connectEvent(fresh, { brokerId: 'edge-a', present: false });
  // Published while the vehicle had no session there: the broker never queued it.
  await connectEvent(parked, { brokerId: 'edge-a', present: true });
  const idOf = (v: string) => deliveryId(v, seeded.campaignId);
  const expected = [await idOf(moved), await idOf(fresh), await idOf(parked)].sort((a, b) => a - b);
  await eventually(
    async () => (await republishedIds('reconnect')).length >= expected.length,
    'republish enqueued',
  );
  const pending = async () =>
    ((await redis.xpending(redisKeys.presenceEvents(prefix), 'tracker')) as [number])[0];
  await eventually(async () => (await pending()) === 0, 'every event handled');
  assert.deepEqual(await republishedIds('reconnect'), expected);
});

test('the retry timer re-sends only to connected vehicles, after the delay, a bounded number of times', async () => {
  const seeded = await seedCampaign(db.pool, { vehicles: 3, label: 'retry' });
  const [online, offline, fresh] = seeded.vehicleIds as [string, string, string];
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '10 seconds', publishes = 0 WHERE campaign_id = $1 AND vehicle_id <> $2`,
    [seeded.campaignId, fresh],
  );
  const presence = new PresenceStore({ redis, prefix });
  for (const vehicleId of [online, fresh]) {
    await presence.record({
      vehicleId,
      brokerId: 'edge-a',
      poolId: 'pool-a',
      routerId: 'r1',
      connectionId: `c-${vehicleId}`,
      connectedAt: new Date().toISOString(),
      sessionPresent: true,
      protocolVersion: 5,
    });
  }
  await queue.drain();
  await tracker.sweep();
  const idOf = (v: string) => deliveryId(v, seeded.campaignId);
  assert.deepEqual(await republishedIds('retry'), [await idOf(online)]);
  assert.ok(offline);

  // Right after a re-send the delivery is not due again.
  await queue.drain();
  await tracker.sweep();
  assert.deepEqual(await republishedIds('retry'), []);
  // The delay doubles with each publish the bridge counted: 1 s, 2 s, 4 s…
  const age = (publishes: number, seconds: number) =>
    db.pool.query(
      `UPDATE deliveries SET publishes = $2, updated_at = now() - make_interval(secs => $3) WHERE vehicle_id = $1`,
      [online, publishes, seconds],
    );
  await age(1, 1.5);
  await tracker.sweep();
  assert.deepEqual(await republishedIds('retry'), []);
  await age(1, 2.5);
  await tracker.sweep();
  assert.deepEqual(await republishedIds('retry'), [await idOf(online)]);
  // After the maximum number of publishes the timer gives up.
  await queue.drain();
  await age(2, 3600);
  await tracker.sweep();
  assert.deepEqual(await republishedIds('retry'), []);
});
