import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { uniquePrefix, type TestDatabase } from '@roadcast/testing';
import { ackTopic } from '@roadcast/contracts';
import { readEvents } from '@roadcast/queue';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { startTracker, type Tracker } from '../src/tracker.js';
import { startAckWorld, type AckWorld } from './ack-world.js';
import {
  countersAndTruth,
  eventually,
  seedCampaign,
  statesOf,
  trackerSettings,
} from './fixtures.js';

let database: TestDatabase;
let db: Db;
let vehicles: MqttClient;
let redis: Redis;
let tracker: Tracker | undefined;
const prefix = uniquePrefix('tracker-acks');
const logger = createLogger({ service: 'tracker-test', level: 'warn' });

function settings() {
  return trackerSettings({
    DATABASE_URL: database.url,
    REDIS_PREFIX: prefix,
    TRACKER_INSTANCE_ID: `t-${process.pid}`,
    TRACKER_BATCH_SIZE: '100',
  });
}

let world: AckWorld;

before(async () => {
  world = await startAckWorld('tracker_acks');
  ({ database, db, redis, vehicles } = world);
});

after(async () => {
  await tracker?.close();
  await world.close(prefix);
});

async function sendAck(
  vehicleId: string,
  noticeId: string,
  state: string,
  reason?: string,
): Promise<void> {
  const body = { noticeId, state, ...(reason ? { reason } : {}), at: new Date().toISOString() };
  await vehicles.publishAsync(ackTopic(vehicleId), JSON.stringify(body), { qos: 1 });
}

test('applies acks in batches, monotonically, and keeps the counters exact', async () => {
  const registry = new Registry();
  tracker = await startTracker(settings(), { logger, registry });
  const seeded = await seedCampaign(db.pool, { vehicles: 300, label: 'acks' });
  const [a, b, c, d, e, ...rest] = seeded.vehicleIds;
  const notice = (v: string) => seeded.notices.get(v)!;
  await eventually(() => tracker!.ready(), 'tracker consuming');

  // Out of order: installed arrives before received; the late received changes nothing.
  await sendAck(a!, notice(a!), 'installed');
  await sendAck(a!, notice(a!), 'received');
  // Duplicates.
  for (let i = 0; i < 3; i += 1) await sendAck(b!, notice(b!), 'downloading');
  // A failure with its reason; a later installed cannot revive it.
  await sendAck(c!, notice(c!), 'failed', 'checksum mismatch');
  await sendAck(c!, notice(c!), 'installed');
  // The vehicle id comes from the topic: d cannot answer for e.
  await sendAck(d!, notice(e!), 'installed');
  // Garbage is acknowledged and ignored.
  await vehicles.publishAsync(ackTopic(d!), 'not json', { qos: 1 });
  await Promise.all(rest.map((v) => sendAck(v, notice(v), 'received')));
  await Promise.all(rest.map((v) => sendAck(v, notice(v), 'installed')));

  await eventually(async () => {
    const states = await statesOf(db.pool, seeded.campaignId);
    return (
      rest.every((v) => states.get(v) === 'installed') &&
      states.get(a!) === 'installed' &&
      states.get(c!) === 'failed'
    );
  }, 'acks applied');
  const states = await statesOf(db.pool, seeded.campaignId);
  assert.equal(states.get(b!), 'downloading');
  assert.equal(states.get(d!), 'published');
  assert.equal(states.get(e!), 'published');
  const failed = await db.pool.query(
    `SELECT last_error, received_at IS NOT NULL AS received FROM deliveries WHERE notice_id = $1`,
    [notice(c!)],
  );
  assert.deepEqual(failed.rows[0], { last_error: 'checksum mismatch', received: true });
  const { counters, truth } = await countersAndTruth(db.pool, seeded.campaignId);
  assert.deepEqual(counters, truth);
  assert.equal(counters['0:installed'], rest.length + 1);
  // Metrics: one latency per delivery's first ack (a, b, c and the rest; d's ack for e's
  // notice changed nothing), batch sizes, and open deliveries by state from the counters.
  const text = await registry.metrics();
  const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.equal(sample('roadcast_ack_latency_seconds_count'), rest.length + 3);
  assert.ok(sample('roadcast_tracker_ack_batch_size_count') >= 1);
  const open = (await registry.getSingleMetric('roadcast_deliveries')?.get())?.values ?? [];
  assert.ok(
    open.some((v) => v.labels.state === 'installed' && v.value >= rest.length + 1),
    'installed deliveries of the running campaign are reported',
  );
  // Progress for the dashboard: the exact counts, published on the event stream.
  await eventually(async () => {
    const events = await readEvents(redis, prefix, '0', { blockMs: 1, count: 1_000 });
    const last = events
      .filter(
        (e) => e.event.type === 'campaign.progress' && e.event.campaignId === seeded.campaignId,
      )
      .at(-1);
    return (
      (last?.event.data.counts as Record<string, number> | undefined)?.installed === rest.length + 1
    );
  }, 'a progress event with the final counts');
});

test('acks sent while the tracker is down are queued in its session and applied after it restarts', async () => {
  const seeded = await seedCampaign(db.pool, { vehicles: 50, label: 'queued' });
  tracker ??= await startTracker(settings(), { logger, registry: new Registry() });
  await eventually(() => tracker!.ready(), 'tracker consuming');
  await tracker.close();
  tracker = undefined;
  await Promise.all(seeded.vehicleIds.map((v) => sendAck(v, seeded.notices.get(v)!, 'installed')));
  assert.ok(
    [...(await statesOf(db.pool, seeded.campaignId)).values()].every((s) => s === 'published'),
  );
  tracker = await startTracker(settings(), { logger, registry: new Registry() });
  await eventually(
    async () =>
      [...(await statesOf(db.pool, seeded.campaignId)).values()].every((s) => s === 'installed'),
    'queued acks applied',
  );
});
