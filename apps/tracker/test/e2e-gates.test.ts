import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CampaignDetail } from '@roadcast/contracts';
import {
  assertCountersExact,
  campaignDetail,
  campaignRequest,
  createCampaign,
  registerVehicles,
  simulatedFleet,
  startE2e,
  stateCounts,
  vehicleIds,
  waitFor,
  type E2e,
} from './e2e-support.js';

let e2e: E2e;

before(async () => {
  e2e = await startE2e('e2e-gates');
});

after(async () => {
  await e2e?.close();
});

/** Vehicle ids of one wave of a campaign, in id order. */
async function waveVehicles(campaignId: string, wave: number): Promise<string[]> {
  const { rows } = await e2e.db.query<{ vehicle_id: string }>(
    `SELECT vehicle_id FROM deliveries WHERE campaign_id = $1 AND wave = $2 ORDER BY vehicle_id`,
    [campaignId, wave],
  );
  return rows.map((r) => r.vehicle_id);
}

const sweeps = (n: number) => new Promise((resolve) => setTimeout(resolve, n * 500));

test('an approval gate holds the next wave until an operator approves it, then it proceeds', async () => {
  const ids = vehicleIds(10, 801);
  await registerVehicles(e2e, ids);
  const fleet = simulatedFleet(e2e, ids);
  await fleet.connect(undefined, 60_000);
  const campaignId = await createCampaign(
    e2e,
    campaignRequest(ids, {
      rollout: {
        waves: [
          { percent: 50, successThreshold: 1 },
          { percent: 100, successThreshold: 1, requiresApproval: true },
        ],
      },
    }),
  );
  const second = new Set(await waveVehicles(campaignId, 1));
  assert.equal(second.size, 5);

  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).awaitingApproval === 1,
    'the second wave to await approval',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  // Held: several rollout passes later nothing of the second wave has gone out.
  await sweeps(6);
  const held = await campaignDetail(e2e, campaignId);
  assert.equal(held.status, 'running');
  assert.deepEqual(
    held.waves.map((w) => w.state),
    ['done', 'awaiting_approval'],
  );
  assert.equal(held.waves[0]!.counts.installed, 5);
  assert.equal(held.waves[1]!.counts.pending, 5, 'the held wave was not published');
  assert.deepEqual(
    fleet.vehicles
      .filter((v) => second.has(v.vehicleId) && v.seen.size > 0)
      .map((v) => v.vehicleId),
    [],
    'no vehicle of the held wave saw the notice',
  );

  const approved = await e2e.api<CampaignDetail>(
    'POST',
    `/v1/campaigns/${campaignId}/waves/1/approve`,
    { comment: 'first wave healthy' },
  );
  assert.equal(approved.waves[1]!.state, 'running');
  assert.ok(approved.waves[1]!.approvedBy);
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'completed',
    'the approved wave to install and the campaign to complete',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const done = await campaignDetail(e2e, campaignId);
  assert.equal(done.counts.installed, 10);
  const { rows } = await e2e.db.query<{ details: unknown }>(
    `SELECT details FROM audit_log WHERE target_id = $1 AND action = 'campaign.wave.approve'`,
    [campaignId],
  );
  assert.deepEqual(
    rows.map((r) => r.details),
    [{ wave: 1, comment: 'first wave healthy' }],
  );
  await assertCountersExact(e2e.db, campaignId);
});

/**
 * Two campaigns alike but for their threshold basis, each with 30 % of its first wave's
 * vehicles registered but never connected (parked), the rest online and installing.
 */
async function campaignWithParkedCars(first: number, thresholdBasis: 'target' | 'reached') {
  const ids = vehicleIds(20, first);
  await registerVehicles(e2e, ids);
  const campaignId = await createCampaign(
    e2e,
    campaignRequest(ids, {
      rollout: {
        waves: [
          { percent: 50, successThreshold: 0.9, failureThreshold: 0.1 },
          { percent: 100, successThreshold: 0.9, failureThreshold: 0.1 },
        ],
      },
      options: { thresholdBasis },
    }),
  );
  const firstWave = await waveVehicles(campaignId, 0);
  assert.equal(firstWave.length, 10);
  const parked = new Set(firstWave.slice(0, 3));
  const online = simulatedFleet(
    e2e,
    ids.filter((id) => !parked.has(id)),
  );
  // Connected after the start: the first wave's notices wait parked and are re-sent (0401).
  await online.connect(undefined, 60_000);
  return { campaignId, parked };
}

test("with thresholdBasis 'reached' a wave advances with 30 % of its cars parked; by target it stays", async () => {
  const byTarget = await campaignWithParkedCars(841, 'target');
  const byReached = await campaignWithParkedCars(861, 'reached');

  await waitFor(
    async () => (await campaignDetail(e2e, byReached.campaignId)).waves[1]!.state === 'running',
    'the reached-basis campaign to start its second wave',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, byReached.campaignId)),
  );
  await waitFor(
    async () => (await campaignDetail(e2e, byTarget.campaignId)).waves[0]!.counts.installed === 7,
    'the online cars of the target-basis campaign to install',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, byTarget.campaignId)),
  );
  await sweeps(6);
  const target = await campaignDetail(e2e, byTarget.campaignId);
  assert.equal(target.currentWave, 0, 'by target, 7 of 10 installed is below 90 %');
  assert.equal(target.waves[1]!.state, 'pending');
  assert.equal(target.waves[0]!.reached, 7);
  assert.equal(target.waves[0]!.notReached, 3);

  await waitFor(
    async () => (await campaignDetail(e2e, byReached.campaignId)).waves[1]!.counts.installed === 10,
    'the second wave of the reached-basis campaign to install',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, byReached.campaignId)),
  );
  await sweeps(4);
  const reached = await campaignDetail(e2e, byReached.campaignId);
  assert.equal(reached.currentWave, 1);
  assert.equal(reached.waves[0]!.reached, 7, 'the online cars answered');
  assert.equal(reached.waves[0]!.notReached, 3, 'the parked cars are the silent bucket');
  assert.equal(reached.waves[0]!.counts.installed, 7);
  assert.equal(reached.notReached, 3);
  assert.equal(reached.status, 'running', 'not complete while parked cars have not answered');
  const { rows } = await e2e.db.query<{ vehicle_id: string; state: string }>(
    `SELECT vehicle_id, state::text AS state FROM deliveries WHERE campaign_id = $1 AND wave = 0
       AND state IN ('pending', 'published', 'parked')`,
    [byReached.campaignId],
  );
  assert.deepEqual(
    rows.map((r) => r.vehicle_id).sort(),
    [...byReached.parked].sort(),
    'exactly the cars that never connected are not reached',
  );
  await assertCountersExact(e2e.db, byReached.campaignId);
});
