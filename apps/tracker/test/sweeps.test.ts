import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createDb, type Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { bullPrefix, QUEUES } from '@roadcast/queue';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@roadcast/testing';
import { startTracker, type Tracker } from '../src/tracker.js';
import {
  countersAndTruth,
  deleteKeys,
  seedCampaign,
  trackerSettings,
  waitingNoticeJobs,
} from './fixtures.js';

let database: TestDatabase;
let db: Db;
let redis: Redis;
let queue: Queue;
let tracker: Tracker;
const registry = new Registry();
const prefix = uniquePrefix('tracker-sweeps');
const logger = createLogger({ service: 'tracker-test', level: 'warn' });

before(async () => {
  database = await createTestDatabase({ label: 'tracker_sweeps' });
  db = createDb(database.url);
  redis = new Redis('redis://127.0.0.1:6379');
  queue = new Queue(QUEUES.notices, { connection: redis, prefix: bullPrefix(prefix) });
  tracker = await startTracker(
    trackerSettings({
      DATABASE_URL: database.url,
      REDIS_PREFIX: prefix,
      TRACKER_INSTANCE_ID: `t-${process.pid}`,
      TRACKER_SWEEP_INTERVAL_MS: '600000',
    }),
    { logger, registry },
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

async function campaign(id: string) {
  const { rows } = await db.pool.query(
    `SELECT status::text AS status, current_wave, paused_reason FROM campaigns WHERE id = $1`,
    [id],
  );
  return rows[0] as { status: string; current_wave: number; paused_reason: string | null };
}

async function setStates(
  campaignId: string,
  wave: number,
  state: string,
  count: number,
): Promise<void> {
  await db.pool.query(
    `UPDATE deliveries SET state = $3::delivery_state WHERE id IN (
       SELECT id FROM deliveries WHERE campaign_id = $1 AND wave = $2 AND state < 'installed'::delivery_state ORDER BY id LIMIT $4)`,
    [campaignId, wave, state, count],
  );
}

test('waves advance on their success threshold and failures above the threshold pause the campaign', async () => {
  const seeded = await seedCampaign(db.pool, {
    vehicles: 30,
    label: 'waves',
    waves: [
      { percent: 20, success: 0.8, failure: 0.5 },
      { percent: 60, success: 0.8, failure: 0.2 },
      { percent: 100, success: 0.8, failure: 0.2 },
    ],
  });
  const id = seeded.campaignId;
  await setStates(id, 0, 'installed', 4); // 4 of 6: below 80 %
  await tracker.sweep();
  assert.equal((await campaign(id)).current_wave, 0);
  await setStates(id, 0, 'installed', 1); // 5 of 6
  await tracker.sweep();
  assert.equal((await campaign(id)).current_wave, 1);
  const fanout = (await waitingNoticeJobs(queue)).filter(
    (j) => j.name === 'fanout' && j.data.campaignId === id,
  );
  assert.equal(
    fanout.flatMap((j) => j.data.deliveryIds as number[]).length,
    12,
    'wave 2 handed to the bridge',
  );
  const waves = await db.pool.query(
    `SELECT index, state::text AS state FROM campaign_waves WHERE campaign_id = $1 ORDER BY index`,
    [id],
  );
  assert.deepEqual(
    waves.rows.map((w) => w.state),
    ['done', 'running', 'pending'],
  );

  await setStates(id, 1, 'failed', 3); // 3 of 12 = 25 % > 20 %
  await tracker.sweep();
  const paused = await campaign(id);
  assert.equal(paused.status, 'paused');
  assert.match(paused.paused_reason ?? '', /failure threshold exceeded in wave 2: 3 of 12/);
  assert.equal(paused.current_wave, 1, 'a paused campaign does not advance');
});

test('a campaign whose deliveries all ended completes', async () => {
  const seeded = await seedCampaign(db.pool, { vehicles: 5, label: 'done' });
  await setStates(seeded.campaignId, 0, 'installed', 4);
  await tracker.sweep();
  assert.equal(
    (await campaign(seeded.campaignId)).status,
    'running',
    'one vehicle still owes an answer',
  );
  await setStates(seeded.campaignId, 0, 'rejected', 1);
  await tracker.sweep();
  assert.equal((await campaign(seeded.campaignId)).status, 'completed');
});

test('expiry marks unfinished deliveries expired and the campaign expired; a completed one stays completed', async () => {
  const seeded = await seedCampaign(db.pool, { vehicles: 10, label: 'expiry', expiresInMs: 300 });
  await setStates(seeded.campaignId, 0, 'installed', 6);
  await setStates(seeded.campaignId, 0, 'downloading', 2);
  const finished = await seedCampaign(db.pool, {
    vehicles: 2,
    label: 'finished',
    expiresInMs: 300,
  });
  await setStates(finished.campaignId, 0, 'installed', 2);
  await tracker.sweep();
  assert.equal((await campaign(finished.campaignId)).status, 'completed');
  await new Promise((resolve) => setTimeout(resolve, 400));
  await tracker.sweep();
  assert.equal((await campaign(seeded.campaignId)).status, 'expired');
  assert.equal((await campaign(finished.campaignId)).status, 'completed');
  const { counters, truth } = await countersAndTruth(db.pool, seeded.campaignId);
  assert.deepEqual(counters, truth);
  assert.deepEqual(counters, { '0:installed': 6, '0:expired': 4 });
});

test('vehicles that owe an answer and have not been seen for long are reported silent, not failed', async () => {
  const seeded = await seedCampaign(db.pool, { vehicles: 4, label: 'silent' });
  const [parkedLong, seenRecently, answered] = seeded.vehicleIds as [string, string, string];
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '3 days' WHERE campaign_id = $1`,
    [seeded.campaignId],
  );
  await db.pool.query(
    `UPDATE vehicles SET last_seen_at = now() - interval '3 days' WHERE id = $1`,
    [parkedLong],
  );
  await db.pool.query(`UPDATE vehicles SET last_seen_at = now() WHERE id = $1`, [seenRecently]);
  await db.pool.query(`UPDATE deliveries SET state = 'received' WHERE vehicle_id = $1`, [answered]);
  await tracker.sweep();
  const metric = await registry.getSingleMetric('roadcast_tracker_silent_vehicles')?.get();
  // The never-seen fourth vehicle and the one parked for three days.
  assert.equal(metric?.values[0]?.value, 2);
  assert.equal((await campaign(seeded.campaignId)).status, 'running');
  const failed = await db.pool.query(
    `SELECT count(*)::int AS n FROM deliveries WHERE campaign_id = $1 AND state IN ('failed', 'expired')`,
    [seeded.campaignId],
  );
  assert.equal(failed.rows[0].n, 0);
});

test('a delivery silent past the in-progress timeout times out, counts as a failure and pauses the campaign', async () => {
  const seeded = await seedCampaign(db.pool, {
    vehicles: 10,
    label: 'timeout',
    waves: [{ percent: 100, success: 1, failure: 0.1 }],
  });
  const id = seeded.campaignId;
  await db.pool.query(`UPDATE campaigns SET in_progress_timeout_s = 60 WHERE id = $1`, [id]);
  await setStates(id, 0, 'installing', 3);
  // Two went silent long ago; the third reported a moment ago; published ones owe nothing yet.
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '2 minutes'
     WHERE id IN (SELECT id FROM deliveries WHERE campaign_id = $1 AND state = 'installing' ORDER BY id LIMIT 2)`,
    [id],
  );
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '1 hour' WHERE campaign_id = $1 AND state = 'published'`,
    [id],
  );
  await tracker.sweep();
  const { counters, truth } = await countersAndTruth(db.pool, id);
  assert.deepEqual(counters, truth);
  assert.deepEqual(counters, { '0:timed_out': 2, '0:installing': 1, '0:published': 7 });
  const errors = await db.pool.query<{ last_error: string }>(
    `SELECT last_error FROM deliveries WHERE campaign_id = $1 AND state = 'timed_out'`,
    [id],
  );
  assert.ok(errors.rows.every((r) => r.last_error.startsWith('ROADCAST_ERR_IN_PROGRESS_TIMEOUT')));
  // Timeouts are swept before the rollout, so the same pass saw them as failures.
  const paused = await campaign(id);
  assert.equal(paused.status, 'paused');
  assert.match(paused.paused_reason ?? '', /2 of 10 deliveries failed, timed out or were rejected/);
  const metric = await registry
    .getSingleMetric('roadcast_tracker_deliveries_timed_out_total')
    ?.get();
  assert.ok((metric?.values[0]?.value ?? 0) >= 2);
});

test('with onFailureThreshold cancel, a crossed threshold cancels the campaign and tells the vehicles that were told', async () => {
  const seeded = await seedCampaign(db.pool, {
    vehicles: 10,
    label: 'abort',
    waves: [{ percent: 100, success: 1, failure: 0.1 }],
  });
  const id = seeded.campaignId;
  await db.pool.query(`UPDATE campaigns SET on_failure_threshold = 'cancel' WHERE id = $1`, [id]);
  await setStates(id, 0, 'failed', 2);
  await setStates(id, 0, 'installed', 3);
  await tracker.sweep();
  const { rows } = await db.pool.query(
    `SELECT status::text AS status, ended_reason FROM campaigns WHERE id = $1`,
    [id],
  );
  assert.equal(rows[0].status, 'cancelled');
  assert.match(rows[0].ended_reason, /failure threshold exceeded in wave 1: 2 of 10/);
  const { counters } = await countersAndTruth(db.pool, id);
  assert.deepEqual(counters, { '0:failed': 2, '0:installed': 3, '0:cancelled': 5 });
  const cancelNotices = (await waitingNoticeJobs(queue)).filter(
    (j) => j.name === 'cancel-notices' && j.data.campaignId === id,
  );
  assert.equal(
    cancelNotices.flatMap((j) => j.data.deliveryIds as number[]).length,
    5,
    'the five published vehicles get a cancel notice, as for a manual cancel',
  );
});

test('the automatic retry policy starts new attempts of failed deliveries and hands them to the bridge', async () => {
  const seeded = await seedCampaign(db.pool, {
    vehicles: 4,
    label: 'autoretry',
    waves: [{ percent: 100, success: 1, failure: 1 }],
  });
  const id = seeded.campaignId;
  await db.pool.query(
    `UPDATE campaigns SET auto_retry_max_attempts = 2, auto_retry_backoff_s = 1,
       auto_retry_states = '{failed,timed_out}' WHERE id = $1`,
    [id],
  );
  await setStates(id, 0, 'failed', 2);
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '5 seconds' WHERE campaign_id = $1`,
    [id],
  );
  await tracker.sweep();
  const { counters } = await countersAndTruth(db.pool, id);
  assert.deepEqual(counters, { '0:pending': 2, '0:published': 2 });
  const fanout = (await waitingNoticeJobs(queue)).filter(
    (j) => j.name === 'fanout' && j.data.campaignId === id,
  );
  assert.equal(fanout.flatMap((j) => j.data.deliveryIds as number[]).length, 2);
  assert.equal((await campaign(id)).status, 'running');
});
