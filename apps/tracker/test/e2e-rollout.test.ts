import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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
const waves = [
  { percent: 20, successThreshold: 0.8, failureThreshold: 0.25 },
  { percent: 60, successThreshold: 0.8, failureThreshold: 0.25 },
  { percent: 100, successThreshold: 0.8, failureThreshold: 0.25 },
];

before(async () => {
  e2e = await startE2e('e2e-rollout');
});

after(async () => {
  await e2e?.close();
});

test('three waves advance on their own as each reaches its success threshold, then the campaign completes', async () => {
  const ids = vehicleIds(50, 1);
  await registerVehicles(e2e, ids);
  const fleet = simulatedFleet(e2e, ids, { seed: 3 });
  await fleet.connect(undefined, 60_000);
  const campaignId = await createCampaign(e2e, campaignRequest(ids, { rollout: { waves } }));

  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'completed',
    'the campaign to complete',
    90_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const detail = await campaignDetail(e2e, campaignId);
  assert.deepEqual(
    detail.waves.map((w) => w.state),
    ['done', 'done', 'done'],
  );
  const started = detail.waves.map((w) => Date.parse(w.startedAt ?? ''));
  assert.ok(started[0]! <= started[1]! && started[1]! <= started[2]!, 'waves started in order');
  assert.equal(detail.counts.installed, ids.length);
  await assertCountersExact(e2e.db, campaignId);
});

test('failures above the threshold pause the campaign and the API says why', async () => {
  const ids = vehicleIds(40, 101);
  await registerVehicles(e2e, ids);
  // Most of these cars fail their install: far above the 25 % the first wave tolerates.
  const fleet = simulatedFleet(e2e, ids, { seed: 5, failureRate: 0.9 });
  await fleet.connect(undefined, 60_000);
  const campaignId = await createCampaign(e2e, campaignRequest(ids, { rollout: { waves } }));

  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'paused',
    'the campaign to pause',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const detail = await campaignDetail(e2e, campaignId);
  assert.match(
    detail.pausedReason ?? '',
    /failure threshold exceeded in wave 1: \d+ of \d+ deliveries failed, timed out or were rejected/,
  );
  assert.equal(detail.currentWave, 0, 'no later wave started');
  assert.deepEqual(
    detail.waves.slice(1).map((w) => w.state),
    ['pending', 'pending'],
  );
  const told = fleet.vehicles.filter((v) => v.seen.size > 0).length;
  const firstWave = detail.waves[0]?.size ?? 0;
  assert.ok(
    told > 0 && told <= firstWave,
    `only the first wave's vehicles were told (${told} of ${firstWave})`,
  );
  await assertCountersExact(e2e.db, campaignId);
});
