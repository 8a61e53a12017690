import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FanoutJob } from '@roadcast/queue';
import type { Db } from '@roadcast/db';
import type { CampaignStatusName } from '@roadcast/contracts';
import {
  advanceRollouts,
  decideRollout,
  joinDynamicCampaigns,
  type PipelineDeps,
} from '../src/index.js';
import { startCampaignsFixture, type CampaignsFixture } from './campaigns-fixture.js';
import { seedCampaign } from './seed-campaign.js';

let fixture: CampaignsFixture;
let db: Db;
let deps: PipelineDeps;
let serial = 0;

before(async () => {
  fixture = await startCampaignsFixture('dynamic_join', 'SELECT 1', { fanoutBatchSize: 100 });
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

/** A dynamic campaign targeting a region of its own, with one vehicle in it already. */
async function dynamicCampaign(status: CampaignStatusName, waves = 1) {
  serial += 1;
  const region = `dyn-${process.pid}-${serial}`;
  const seeded = await seedCampaign(db.pool, {
    status,
    deliveries: ['published'],
    waves: Array.from({ length: waves }, (_, i) => ({
      state: status === 'scheduled' || i > 0 ? ('pending' as const) : ('running' as const),
    })),
  });
  await db.pool.query(`UPDATE vehicles SET region = $2 WHERE id = ANY($1)`, [
    seeded.vehicleIds,
    region,
  ]);
  await db.pool.query(
    `UPDATE campaigns SET dynamic = true, target = $2, current_wave = $3 WHERE id = $1`,
    [seeded.id, JSON.stringify({ filter: { region } }), status === 'running' ? waves - 1 : 0],
  );
  if (status === 'running' && waves > 1)
    await db.pool.query(
      `UPDATE campaign_waves SET state = 'running', started_at = now() WHERE campaign_id = $1`,
      [seeded.id],
    );
  return { ...seeded, region };
}

async function register(ids: string[], region: string): Promise<void> {
  await db.pool.query(
    `INSERT INTO vehicles (id, model, region, software_version)
     SELECT unnest($1::text[]), 'm', $2, '1.0.0'`,
    [ids, region],
  );
}

async function deliveriesOf(campaignId: string) {
  const { rows } = await db.pool.query<{ vehicle_id: string; wave: number; state: string }>(
    `SELECT vehicle_id, wave, state::text AS state FROM deliveries WHERE campaign_id = $1 ORDER BY vehicle_id`,
    [campaignId],
  );
  return rows;
}

test('vehicles registered later that match join the running wave once, and are fanned out', async () => {
  const campaign = await dynamicCampaign('running', 2);
  const newcomers = [`DJNEW${process.pid}A`, `DJNEW${process.pid}B`];
  await register(newcomers, campaign.region);
  await register([`DJOTHER${process.pid}`], 'elsewhere');

  const joins = (await joinDynamicCampaigns(deps)).filter((j) => j.campaignId === campaign.id);
  assert.equal(joins.length, 1);
  assert.equal(joins[0]!.wave, 1, 'the current wave');
  assert.equal(joins[0]!.enqueued, true);
  const rows = await deliveriesOf(campaign.id);
  assert.deepEqual(
    rows.filter((r) => newcomers.includes(r.vehicle_id)).map((r) => [r.wave, r.state]),
    [
      [1, 'pending'],
      [1, 'pending'],
    ],
  );
  assert.equal(rows.length, 3, 'the vehicle of another region did not join');
  assert.deepEqual(await fanoutIds(campaign.id), joins[0]!.deliveryIds);
  const { rows: waves } = await db.pool.query<{ size: number }>(
    `SELECT size FROM campaign_waves WHERE campaign_id = $1 AND index = 1`,
    [campaign.id],
  );
  assert.equal(waves[0]!.size, 2, 'the wave counts its joiners');

  const again = (await joinDynamicCampaigns(deps)).filter((j) => j.campaignId === campaign.id);
  assert.deepEqual(again, [], 'a second pass adds nothing');

  // A vehicle changed into the target later joins too.
  const moved = `DJMOVE${process.pid}`;
  await register([moved], 'elsewhere');
  await db.pool.query(`UPDATE vehicles SET region = $2, updated_at = now() WHERE id = $1`, [
    moved,
    campaign.region,
  ]);
  const later = (await joinDynamicCampaigns(deps)).filter((j) => j.campaignId === campaign.id);
  assert.equal(later[0]?.deliveryIds.length, 1);
});

test('a paused campaign keeps its joiners pending; a scheduled one puts them in wave 0', async () => {
  const paused = await dynamicCampaign('paused');
  const scheduled = await dynamicCampaign('scheduled', 2);
  await register([`DJPAUSE${process.pid}`], paused.region);
  await register([`DJSCHED${process.pid}`], scheduled.region);
  const joins = await joinDynamicCampaigns(deps);
  const of = (id: string) => joins.find((j) => j.campaignId === id);
  assert.equal(of(paused.id)?.enqueued, false);
  assert.equal(of(scheduled.id)?.enqueued, false);
  assert.equal(of(scheduled.id)?.wave, 0);
  assert.deepEqual(await fanoutIds(paused.id), []);
  assert.deepEqual(await fanoutIds(scheduled.id), []);
});

test('the limit bounds a pass; the next pass takes the rest', async () => {
  const campaign = await dynamicCampaign('running');
  const ids = Array.from({ length: 5 }, (_, i) => `DJLIM${process.pid}x${i}`);
  await register(ids, campaign.region);
  const first = (await joinDynamicCampaigns(deps, 3)).find((j) => j.campaignId === campaign.id);
  const second = (await joinDynamicCampaigns(deps, 3)).find((j) => j.campaignId === campaign.id);
  assert.equal(first?.deliveryIds.length, 3);
  assert.equal(second?.deliveryIds.length, 2);
});

test('a dynamic campaign does not complete when its deliveries end; vehicles may still join', async () => {
  const campaign = await dynamicCampaign('running');
  await db.pool.query(`UPDATE deliveries SET state = 'installed' WHERE campaign_id = $1`, [
    campaign.id,
  ]);
  await advanceRollouts(deps);
  const { rows } = await db.pool.query<{ status: string }>(
    `SELECT status FROM campaigns WHERE id = $1`,
    [campaign.id],
  );
  assert.equal(rows[0]!.status, 'running');
  const finished = {
    id: 'c',
    currentWave: 0,
    waves: [
      {
        index: 0,
        state: 'running' as const,
        size: 1,
        successThreshold: 1,
        failureThreshold: 0.5,
        installed: 1,
        failures: 0,
        unfinished: 0,
      },
    ],
  };
  assert.deepEqual(decideRollout(finished), { action: 'complete' });
  assert.deepEqual(decideRollout({ ...finished, dynamic: true }), { action: 'none' });
});
