import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryStateName } from '@roadcast/contracts';
import type { Db } from '@roadcast/db';
import {
  COMPLETION_METHOD,
  readCompletionEstimate,
  refreshCompletionEstimates,
} from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';
import { seedCampaign } from './seed-campaign.js';

let fixture: CampaignsFixture;
let db: Db;

before(async () => {
  fixture = await startCampaignsFixture('estimates', 'SELECT 1', { fanoutBatchSize: 100 });
  ({ db } = fixture);
});

after(async () => {
  await fixture.close();
});

const states = (counts: Partial<Record<DeliveryStateName, number>>): DeliveryStateName[] =>
  Object.entries(counts).flatMap(([s, n]) =>
    Array<DeliveryStateName>(n).fill(s as DeliveryStateName),
  );

/** Makes the campaign's started waves an hour old, as if it had run that long. */
async function ranForAnHour(id: string): Promise<void> {
  await db.pool.query(
    `UPDATE campaign_waves SET started_at = now() - interval '1 hour'
     WHERE campaign_id = $1 AND started_at IS NOT NULL`,
    [id],
  );
}

async function storedRows(id: string) {
  const { rows } = await db.pool.query<{
    wave: number;
    success_at: Date | null;
    complete_at: Date | null;
    method: string;
    basis: {
      unreached: number;
      installed: number;
      returns: number;
      waitedSeconds: number;
      reason: string | null;
    };
  }>(
    `SELECT wave, success_at, complete_at, method, basis FROM completion_estimates
     WHERE campaign_id = $1 ORDER BY wave`,
    [id],
  );
  return rows;
}

/** Makes the last refresh ten minutes old, as if the sweep had run then. */
async function lastRefreshTenMinutesAgo(id: string): Promise<void> {
  await db.pool.query(
    `UPDATE completion_estimates SET computed_at = computed_at - interval '10 minutes'
     WHERE campaign_id = $1`,
    [id],
  );
}

test('the sweep estimates every wave of a running campaign from its counters and its last refresh', async () => {
  // Wave 0: 20 deliveries, 10 unreached, 8 installed, 2 in progress; wave 1 not started.
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: [
      ...states({ parked: 6, published: 4, installed: 8, downloading: 2 }),
      ...states({ pending: 20 }),
    ],
    waves: [{ state: 'running' }, { state: 'pending' }],
    waveOf: (i) => (i < 20 ? 0 : 1),
    expiresInSeconds: 7 * 86_400,
  });
  await ranForAnHour(seeded.id);
  const paused = await seedCampaign(db.pool, {
    status: 'paused',
    deliveries: states({ parked: 1, installed: 1 }),
  });

  assert.ok((await refreshCompletionEstimates(db.pool)) >= 1);
  let [first, second] = await storedRows(seeded.id);
  assert.equal(first!.method, COMPLETION_METHOD);
  assert.equal(first!.basis.unreached, 10);
  assert.equal(first!.basis.installed, 8);
  // The two installing vehicles bring the threshold (10 of 20); the parked ones are unknown.
  assert.ok(first!.success_at && first!.success_at.getTime() > Date.now() - 1000);
  assert.equal(first!.complete_at, null);
  assert.match(first!.basis.reason!, /coming back have not been observed yet/);
  assert.equal(second!.success_at, null);
  assert.deepEqual(await storedRows(paused.id), [], 'only running campaigns are estimated');

  // Ten minutes later 5 of the 10 unreached came back and installed.
  await lastRefreshTenMinutesAgo(seeded.id);
  await db.pool.query(`UPDATE deliveries SET state = 'installed' WHERE id = ANY($1::bigint[])`, [
    seeded.deliveryIds.slice(0, 5),
  ]);
  await refreshCompletionEstimates(db.pool);
  [first, second] = await storedRows(seeded.id);
  assert.equal(first!.basis.returns, 5);
  assert.ok(Math.abs(first!.basis.waitedSeconds - 10 * 600) < 5);
  assert.ok(first!.complete_at !== null);
  assert.ok(second!.success_at && second!.success_at > first!.success_at!, 'wave 2 follows wave 1');

  const answer = await readCompletionEstimate(db.pool, seeded.id);
  assert.equal(answer!.status, 'running');
  assert.equal(answer!.method, COMPLETION_METHOD);
  assert.equal(answer!.successAt, second!.success_at!.toISOString());
  assert.equal(answer!.reason, null);
  assert.equal(answer!.waves.length, 2);

  const pausedAnswer = await readCompletionEstimate(db.pool, paused.id);
  assert.equal(pausedAnswer!.successAt, null);
  assert.match(pausedAnswer!.reason!, /paused/);
});

test('a campaign not estimated yet says so', async () => {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: states({ parked: 10 }),
  });
  const before = await readCompletionEstimate(db.pool, seeded.id);
  assert.match(before!.reason!, /not estimated yet/);
  await refreshCompletionEstimates(db.pool);
  const after = await readCompletionEstimate(db.pool, seeded.id);
  assert.equal(after!.successAt, null);
  assert.match(after!.reason!, /^wave 1: /);
});

test('an unknown campaign has no estimate', async () => {
  assert.equal(
    await readCompletionEstimate(db.pool, '00000000-0000-4000-8000-000000000000'),
    undefined,
  );
});
