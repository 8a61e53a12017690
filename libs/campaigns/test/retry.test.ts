import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FanoutJob } from '@roadcast/queue';
import type { Db } from '@roadcast/db';
import {
  applyAcks,
  completeCampaign,
  resumeCampaign,
  retryCampaign,
  retryDueDeliveries,
  StretchCursors,
  type PipelineDeps,
} from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';
import { campaignStatus, seedCampaign, statesById } from './seed-campaign.js';

let fixture: CampaignsFixture;
let db: Db;
let deps: PipelineDeps;

before(async () => {
  fixture = await startCampaignsFixture('retry', 'SELECT 1', { fanoutBatchSize: 100 });
  ({ db, deps } = fixture);
});

after(async () => {
  await fixture.close();
});

async function fanoutIds(campaignId: string): Promise<number[]> {
  const jobs = await fixture.queues.notices.getJobs(['waiting', 'prioritized'], 0, -1);
  return jobs
    .filter((j) => j.name === 'fanout' && (j.data as FanoutJob).campaignId === campaignId)
    .flatMap((j) => (j.data as FanoutJob).deliveryIds)
    .sort((a, b) => a - b);
}

/** The columns of an automatic retry policy, for a seeded campaign. */
const policy = (maxAttempts: number, backoffSeconds: number, states: string) => ({
  auto_retry_max_attempts: maxAttempts,
  auto_retry_backoff_s: backoffSeconds,
  auto_retry_states: states,
});

async function notices(ids: readonly number[]) {
  const { rows } = await db.pool.query<{
    id: number;
    notice: string;
    vehicle: string;
    attempt: number;
  }>(
    `SELECT id, notice_id AS notice, vehicle_id AS vehicle, attempt FROM deliveries
     WHERE id = ANY($1::bigint[]) ORDER BY id`,
    [ids],
  );
  return rows;
}

test("an operator's retry starts new attempts of failed and timed-out deliveries and fans them out; late reports about the old notices change nothing", async () => {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: ['failed', 'timed_out', 'rejected', 'installed', 'installing'],
  });
  const [failed, timedOut, rejected, installed, installing] = seeded.deliveryIds as [
    number,
    number,
    number,
    number,
    number,
  ];
  const old = await notices(seeded.deliveryIds);
  const { retried } = await retryCampaign(deps, seeded.id, {}, 'ops (k1)');
  assert.equal(retried, 2);
  const states = await statesById(db.pool, seeded.deliveryIds);
  assert.deepEqual(
    [failed, timedOut, rejected, installed, installing].map((id) => states.get(id)),
    ['pending', 'pending', 'rejected', 'installed', 'installing'],
  );
  assert.deepEqual(await fanoutIds(seeded.id), [failed, timedOut], 'new attempts fanned out');
  const now = await notices([failed, timedOut]);
  assert.ok(now.every((n) => n.attempt === 2));
  assert.ok(
    now.every((n, i) => n.notice !== old[i]!.notice),
    'new notice ids',
  );
  const history = await db.pool.query(
    `SELECT delivery_id, attempt, state::text, retried_by FROM delivery_attempts WHERE campaign_id = $1 ORDER BY delivery_id`,
    [seeded.id],
  );
  assert.deepEqual(history.rows, [
    { delivery_id: failed, attempt: 1, state: 'failed', retried_by: 'ops (k1)' },
    { delivery_id: timedOut, attempt: 1, state: 'timed_out', retried_by: 'ops (k1)' },
  ]);

  // The vehicle's late reports about the first attempt's notice are ignored.
  const late = await applyAcks(
    db.pool,
    old.slice(0, 2).map((n) => ({
      vehicleId: n.vehicle,
      noticeId: n.notice,
      state: 'installed' as const,
      reason: null,
    })),
  );
  assert.deepEqual(late, []);
  assert.deepEqual(
    [...(await statesById(db.pool, [failed, timedOut])).values()],
    ['pending', 'pending'],
  );
  // Reports about the new notice apply.
  const fresh = await applyAcks(
    db.pool,
    now.map((n) => ({
      vehicleId: n.vehicle,
      noticeId: n.notice,
      state: 'installed' as const,
      reason: null,
    })),
  );
  assert.equal(fresh.length, 2);
});

test('a retry may ask for rejected deliveries, one wave, and those with attempts left', async () => {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: ['rejected', 'failed', 'failed', 'failed'],
    waves: [{ state: 'done' }, { state: 'running' }],
    waveOf: (i) => (i === 3 ? 1 : 0),
  });
  const [rejected, failed, tired, laterWave] = seeded.deliveryIds as [
    number,
    number,
    number,
    number,
  ];
  await db.pool.query('UPDATE deliveries SET attempt = 3 WHERE id = $1', [tired]);
  const { retried } = await retryCampaign(
    deps,
    seeded.id,
    { states: ['rejected', 'failed'], wave: 0, maxAttempts: 3 },
    'ops',
  );
  assert.equal(retried, 2);
  const states = await statesById(db.pool, seeded.deliveryIds);
  assert.deepEqual(
    [rejected, failed, tired, laterWave].map((id) => states.get(id)),
    ['pending', 'pending', 'failed', 'failed'],
  );
});

test('a completed campaign reopens on a retry and completes again; a paused one waits for its resume', async () => {
  const done = await seedCampaign(db.pool, {
    status: 'completed',
    deliveries: ['installed', 'failed'],
    waves: [{ state: 'done' }],
  });
  assert.equal((await retryCampaign(deps, done.id, {}, 'ops')).retried, 1);
  assert.equal(await campaignStatus(db.pool, done.id), 'running');
  assert.equal(await completeCampaign(deps, done.id), false, 'the new attempt is open');
  await db.pool.query(`UPDATE deliveries SET state = 'installed' WHERE id = $1`, [
    done.deliveryIds[1],
  ]);
  assert.equal(await completeCampaign(deps, done.id), true);

  const paused = await seedCampaign(db.pool, { status: 'paused', deliveries: ['failed'] });
  assert.equal((await retryCampaign(deps, paused.id, {}, 'ops')).retried, 1);
  assert.equal(await campaignStatus(db.pool, paused.id), 'paused');
  assert.deepEqual(await fanoutIds(paused.id), [], 'nothing goes out while paused');
  await resumeCampaign(deps, paused.id);
  assert.deepEqual(await fanoutIds(paused.id), paused.deliveryIds);
});

test('a retry is refused for a campaign that cannot take it, and for a wave it does not have', async () => {
  for (const status of ['scheduled', 'cancelled', 'expired'] as const) {
    const seeded = await seedCampaign(db.pool, { status, deliveries: ['failed'] });
    await assert.rejects(retryCampaign(deps, seeded.id, {}, 'ops'), {
      code: 'ROADCAST_ERR_CAMPAIGN_STATE',
      message: `a ${status} campaign cannot be retried`,
    });
  }
  const lapsed = await seedCampaign(db.pool, {
    status: 'completed',
    deliveries: ['failed'],
    expiresInSeconds: -5,
  });
  await assert.rejects(retryCampaign(deps, lapsed.id, {}, 'ops'), {
    code: 'ROADCAST_ERR_CAMPAIGN_STATE',
  });
  assert.equal(await campaignStatus(db.pool, lapsed.id), 'completed');
  const seeded = await seedCampaign(db.pool, { status: 'running', deliveries: ['failed'] });
  await assert.rejects(retryCampaign(deps, seeded.id, { wave: 1 }, 'ops'), {
    code: 'ROADCAST_ERR_UNKNOWN_WAVE',
  });
  assert.deepEqual([...(await statesById(db.pool, seeded.deliveryIds)).values()], ['failed']);
  await assert.rejects(retryCampaign(deps, '00000000-0000-4000-8000-000000000000', {}, 'ops'), {
    code: 'ROADCAST_ERR_CAMPAIGN_NOT_FOUND',
  });
});

test('the automatic policy retries after its backoff, doubling it, up to its attempts, and holds completion meanwhile', async () => {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: ['failed', 'timed_out', 'rejected', 'failed', 'failed'],
    columns: policy(3, 10, '{failed,timed_out}'),
  });
  const [failed, timedOut, rejected, recent, spent] = seeded.deliveryIds as [
    number,
    number,
    number,
    number,
    number,
  ];
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '15 seconds' WHERE campaign_id = $1 AND id <> $2`,
    [seeded.id, recent],
  );
  await db.pool.query(`UPDATE deliveries SET attempt = 3 WHERE id = $1`, [spent]);
  assert.equal(await completeCampaign(deps, seeded.id), false, 'retries are still due');

  const cursors = new StretchCursors(1_000);
  const first = await retryDueDeliveries(deps, cursors);
  assert.equal(first.get(seeded.id), 2);
  let states = await statesById(db.pool, seeded.deliveryIds);
  assert.deepEqual(
    [failed, timedOut, rejected, recent, spent].map((id) => states.get(id)),
    ['pending', 'pending', 'rejected', 'failed', 'failed'],
  );
  assert.deepEqual(await fanoutIds(seeded.id), [failed, timedOut]);

  // The second attempt fails too: its backoff is twice the first (20 s), not yet over at 15 s.
  await db.pool.query(
    `UPDATE deliveries SET state = 'failed', updated_at = now() - interval '15 seconds' WHERE id = ANY($1::bigint[])`,
    [[failed, timedOut]],
  );
  assert.equal((await retryDueDeliveries(deps, cursors)).get(seeded.id), undefined);
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '25 seconds' WHERE id = ANY($1::bigint[])`,
    [[failed, timedOut, recent]],
  );
  assert.equal((await retryDueDeliveries(deps, cursors)).get(seeded.id), 3);
  states = await statesById(db.pool, seeded.deliveryIds);
  assert.deepEqual(
    [failed, timedOut, recent, spent].map((id) => states.get(id)),
    ['pending', 'pending', 'pending', 'failed'],
  );
  // Third attempts that fail have no attempts left: the campaign may complete.
  await db.pool.query(
    `UPDATE deliveries SET state = 'failed', updated_at = now() - interval '1 hour' WHERE campaign_id = $1 AND state = 'pending'`,
    [seeded.id],
  );
  await db.pool.query(`UPDATE deliveries SET attempt = 3 WHERE id = $1`, [recent]);
  assert.equal((await retryDueDeliveries(deps, cursors)).get(seeded.id), undefined);
  assert.equal(await completeCampaign(deps, seeded.id), true);
});

test('the automatic policy walks a large campaign a stretch at a time and leaves paused campaigns alone', async () => {
  const seeded = await seedCampaign(db.pool, {
    status: 'running',
    deliveries: Array.from({ length: 25 }, () => 'failed' as const),
    columns: policy(2, 1, '{failed}'),
  });
  const paused = await seedCampaign(db.pool, {
    status: 'paused',
    deliveries: ['failed'],
    columns: policy(2, 1, '{failed}'),
  });
  await db.pool.query(
    `UPDATE deliveries SET updated_at = now() - interval '1 minute' WHERE campaign_id = ANY($1::uuid[])`,
    [[seeded.id, paused.id]],
  );
  const cursors = new StretchCursors(10);
  const counts: number[] = [];
  for (let pass = 0; pass < 3; pass += 1)
    counts.push((await retryDueDeliveries(deps, cursors)).get(seeded.id) ?? 0);
  assert.deepEqual(counts, [10, 10, 5]);
  assert.deepEqual([...(await statesById(db.pool, paused.deliveryIds)).values()], ['failed']);
});
