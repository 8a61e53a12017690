import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import { Registry } from 'prom-client';
import { createDb, type Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import {
  bullPrefix,
  createPipelineQueues,
  PaceBuckets,
  QUEUES,
  redisKeys,
  type PipelineQueues,
} from '@roadcast/queue';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@roadcast/testing';
import { ResendPacer } from '../src/reconcile/resend-pacer.js';
import { republish } from '../src/reconcile/republisher.js';
import type { UnacknowledgedDelivery } from '../src/reconcile/unacknowledged-deliveries.js';
import { createTrackerMetrics } from '../src/tracker-metrics.js';
import { startTracker } from '../src/tracker.js';
import { deleteKeys, eventually, seedCampaign, trackerSettings } from './fixtures.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const logger = createLogger({ service: 'tracker-test', level: 'warn' });
let database: TestDatabase;
let db: Db;
let redis: Redis;

before(async () => {
  database = await createTestDatabase({ label: 'tracker_resend_pacing' });
  db = createDb(database.url);
  redis = new Redis(REDIS_URL);
});

after(async () => {
  await redis.quit();
  await db.close();
  await database.drop();
});

interface QueuedResend {
  id: number;
  delayMs: number;
}

/** Every re-send in the queue, waiting or delayed, with the delay its job was given. */
async function queuedResends(queue: Queue): Promise<QueuedResend[]> {
  const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
  return jobs
    .filter((j) => j.name === 'republish')
    .flatMap((j) =>
      (j.data as { deliveryIds: number[] }).deliveryIds.map((id) => ({
        id,
        delayMs: j.opts.delay ?? 0,
      })),
    );
}

function storm(broker: string, first: number, count: number): UnacknowledgedDelivery[] {
  return Array.from({ length: count }, (_, i) => ({
    id: first + i,
    vehicleId: `V${first + i}`,
    campaignId: 'c',
    priority: 0,
    brokerId: broker,
  }));
}

test('a storm on one broker is spread at its pace across trackers, nothing dropped, other brokers unaffected', async () => {
  const prefix = uniquePrefix('resend-pace');
  const other = new Redis(REDIS_URL);
  const queues: PipelineQueues = createPipelineQueues(redis, prefix);
  const queue = new Queue(QUEUES.notices, { connection: redis, prefix: bullPrefix(prefix) });
  try {
    const registry = new Registry();
    const metrics = createTrackerMetrics(registry, db.pool);
    const paced = metrics.resendsPaced as Counter<'broker'>;
    // Two trackers, each with its own Redis connection, share the brokers' buckets.
    const pacers = [redis, other].map(
      (client) =>
        new ResendPacer({
          buckets: new PaceBuckets(client, prefix),
          perSecond: 100,
          burst: 100,
          paced,
        }),
    );
    await Promise.all([
      republish(queues, metrics, storm('edge-a', 1, 300), 'reconnect', pacers[0]),
      republish(queues, metrics, storm('edge-a', 1001, 300), 'reconnect', pacers[1]),
      republish(queues, metrics, storm('edge-b', 2001, 50), 'reconnect', pacers[1]),
    ]);

    const queued = await queuedResends(queue);
    const ids = queued.map((q) => q.id).sort((a, b) => a - b);
    const expected = [
      ...storm('edge-a', 1, 300),
      ...storm('edge-a', 1001, 300),
      ...storm('edge-b', 2001, 50),
    ]
      .map((d) => d.id)
      .sort((a, b) => a - b);
    assert.deepEqual(ids, expected, 'every re-send queued exactly once');

    const onA = queued.filter((q) => q.id < 2000);
    const onB = queued.filter((q) => q.id > 2000);
    assert.ok(
      onB.every((q) => q.delayMs === 0),
      'the quiet broker is not held back by the storm',
    );
    // 600 re-sends at 100/s after a burst of 100: about five seconds, never faster. Jobs start
    // at the beginning of their second, and each tracker's delays count from its own call,
    // which may come up to half a second after the other's: hence the slack.
    for (const horizon of [0, 1_000, 2_000, 3_000, 4_000]) {
      const by = onA.filter((q) => q.delayMs <= horizon).length;
      assert.ok(by <= 100 + (horizon / 1000 + 1) * 100 + 50, `${by} due within ${horizon} ms`);
    }
    const latest = Math.max(...onA.map((q) => q.delayMs));
    assert.ok(latest >= 3_000 && latest <= 5_000, `last re-send due after ${latest} ms`);
    const waited = onA.filter((q) => q.delayMs > 0).length;
    const metric = await registry.getSingleMetricAsString('roadcast_tracker_resends_paced_total');
    assert.match(metric, new RegExp(`broker="edge-a"} ${waited}\\b`));
    assert.doesNotMatch(metric, /broker="edge-b"/);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    await queues.close();
    await deleteKeys(redis, prefix);
    await other.quit();
  }
});

test('the tracker paces re-sends of vehicles reconnecting together to one broker, all of them queued', async () => {
  const prefix = uniquePrefix('resend-pace-tracker');
  const queue = new Queue(QUEUES.notices, { connection: redis, prefix: bullPrefix(prefix) });
  const registry = new Registry();
  const tracker = await startTracker(
    trackerSettings({
      DATABASE_URL: database.url,
      REDIS_PREFIX: prefix,
      TRACKER_INSTANCE_ID: `t-${process.pid}`,
      TRACKER_SWEEP_INTERVAL_MS: '600000',
      TRACKER_RESEND_PER_BROKER_PER_S: '20',
      TRACKER_RESEND_BURST: '10',
    }),
    { logger, registry },
  );
  try {
    const seeded = await seedCampaign(db.pool, { vehicles: 60, state: 'parked', label: 'storm' });
    // The whole fleet comes back in one moment.
    const events = redis.pipeline();
    for (const vehicleId of seeded.vehicleIds) {
      events.xadd(
        redisKeys.presenceEvents(prefix),
        '*',
        ...['type', 'connect', 'vehicleId', vehicleId, 'brokerId', 'edge-a', 'poolId', 'pool-a'],
        ...['routerId', 'r1', 'connectionId', `c-${vehicleId}`, 'sessionPresent', 'false'],
        ...['at', new Date().toISOString()],
      );
    }
    await events.exec();
    const { rows } = await db.pool.query<{ id: string }>(
      'SELECT id FROM deliveries WHERE campaign_id = $1 ORDER BY id',
      [seeded.campaignId],
    );
    const expected = rows.map((r) => Number(r.id));
    await eventually(
      async () => (await queuedResends(queue)).length >= expected.length,
      'every re-send queued',
    );
    const queued = await queuedResends(queue);
    assert.deepEqual(
      queued.map((q) => q.id).sort((a, b) => a - b),
      expected,
    );
    // 60 re-sends at 20/s after a burst of 10: the last ones wait about 2.5 s (less the time
    // the tracker took between reading the events, in which the bucket refilled).
    const latest = Math.max(...queued.map((q) => q.delayMs));
    assert.ok(latest >= 1_000, `the last re-send waits ${latest} ms`);
    const metric = await registry.getSingleMetricAsString('roadcast_tracker_resends_paced_total');
    assert.match(metric, /broker="edge-a"} [1-9]\d*/);
  } finally {
    await tracker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await deleteKeys(redis, prefix);
  }
});
