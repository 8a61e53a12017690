import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createDb, type Db } from '@roadcast/db';
import { createLogger } from '@roadcast/observability';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@roadcast/testing';
import { startTracker, type Tracker } from '../src/tracker.js';
import { deleteKeys, seedCampaign, trackerSettings } from './fixtures.js';

let database: TestDatabase;
let db: Db;
let redis: Redis;
let tracker: Tracker;
const prefix = uniquePrefix('tracker-estimates');
const logger = createLogger({ service: 'tracker-test', level: 'warn' });

before(async () => {
  database = await createTestDatabase({ label: 'tracker_estimates' });
  db = createDb(database.url);
  redis = new Redis('redis://127.0.0.1:6379');
  tracker = await startTracker(
    trackerSettings({
      DATABASE_URL: database.url,
      REDIS_PREFIX: prefix,
      TRACKER_INSTANCE_ID: `t-${process.pid}`,
      // Sweeps are run by hand below; every one of them recomputes the estimates.
      TRACKER_SWEEP_INTERVAL_MS: '600000',
      TRACKER_ESTIMATE_INTERVAL_MS: '1',
    }),
    { logger, registry: new Registry() },
  );
});

after(async () => {
  await tracker.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
  await db.close();
  await database.drop();
});

async function estimate(campaignId: string) {
  const { rows } = await db.pool.query<{
    wave: number;
    success_at: Date | null;
    complete_at: Date | null;
    basis: { installed: number; reason: string | null };
  }>(
    `SELECT wave, success_at, complete_at, basis FROM completion_estimates
     WHERE campaign_id = $1 ORDER BY wave`,
    [campaignId],
  );
  return rows;
}

test('the tracker sweep writes and refreshes the predicted completion of running campaigns', async () => {
  const seeded = await seedCampaign(db.pool, {
    vehicles: 40,
    label: 'est',
    expiresInMs: 7 * 86_400_000,
    waves: [
      { percent: 50, success: 0.5, failure: 1 },
      { percent: 100, success: 0.9, failure: 1 },
    ],
    state: 'parked',
  });
  await db.pool.query(
    `UPDATE campaign_waves SET started_at = now() - interval '2 hours' WHERE campaign_id = $1 AND index = 0`,
    [seeded.campaignId],
  );
  await tracker.sweep();
  const silent = await estimate(seeded.campaignId);
  assert.deepEqual(
    silent.map((r) => [r.wave, r.success_at, r.complete_at]),
    [
      [0, null, null],
      [1, null, null],
    ],
  );
  assert.match(silent[0]!.basis.reason!, /coming back have not been observed yet/);

  // Ten minutes later (as far as the stored estimate knows) ten vehicles came back.
  await db.pool.query(
    `UPDATE completion_estimates SET computed_at = computed_at - interval '10 minutes'
     WHERE campaign_id = $1`,
    [seeded.campaignId],
  );
  // 5 of wave 1's 20 vehicles installed, 5 are installing: wave 1 needs 10.
  await db.pool.query(
    `UPDATE deliveries SET state = CASE WHEN n <= 5 THEN 'installed' ELSE 'installing' END::delivery_state
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM deliveries
           WHERE campaign_id = $1 AND wave = 0 ORDER BY id LIMIT 10) AS picked
     WHERE deliveries.id = picked.id`,
    [seeded.campaignId],
  );
  await tracker.sweep();
  const [first, second] = await estimate(seeded.campaignId);
  assert.equal(first!.basis.installed, 5);
  assert.ok(first!.success_at && first!.success_at.getTime() >= Date.now() - 1000);
  assert.ok(second!.success_at && second!.success_at > first!.success_at);
  assert.ok(second!.complete_at && second!.complete_at >= second!.success_at);
});
