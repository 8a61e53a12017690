import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DeliveryList } from '@roadcast/contracts';
import {
  assertCountersExact,
  campaignDetail,
  campaignRequest,
  createCampaign,
  deliveryStates,
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
  e2e = await startE2e('e2e-timeouts');
});

after(async () => {
  await e2e?.close();
});

const oneWave = { waves: [{ percent: 100, successThreshold: 1, failureThreshold: 0.1 }] };

test('installs that never finish time out, count as failures and pause the campaign; the API shows them', async () => {
  const ids = vehicleIds(12, 501);
  await registerVehicles(e2e, ids);
  const stalled = simulatedFleet(e2e, ids.slice(0, 3), { stallRate: 1, stepMs: [50, 200] });
  const healthy = simulatedFleet(e2e, ids.slice(3), { stepMs: [50, 400] });
  await stalled.connect(undefined, 60_000);
  await healthy.connect(undefined, 60_000);
  const campaignId = await createCampaign(
    e2e,
    campaignRequest(ids, { rollout: oneWave, options: { inProgressTimeout: 3 } }),
  );

  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'paused',
    'the campaign to pause',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const paused = await campaignDetail(e2e, campaignId);
  assert.match(
    paused.pausedReason ?? '',
    /failure threshold exceeded in wave 1: \d+ of 12 deliveries failed, timed out or were rejected/,
  );
  // The timeout keeps watching a paused campaign: every stalled install ends timed out.
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).counts.timed_out === 3,
    'all three stalled installs to time out',
    30_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const listed = await e2e.api<DeliveryList>(
    'GET',
    `/v1/campaigns/${campaignId}/deliveries?state=timed_out`,
  );
  assert.deepEqual(listed.items.map((d) => d.vehicleId).sort(), ids.slice(0, 3));
  for (const d of listed.items)
    assert.match(
      d.lastError ?? '',
      /^ROADCAST_ERR_IN_PROGRESS_TIMEOUT: no report for 3 s after installing/,
    );
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).counts.installed === 9,
    'the healthy vehicles to install',
    30_000,
  );
  await assertCountersExact(e2e.db, campaignId);
});

test('with onFailureThreshold cancel, timed-out installs cancel the campaign and every vehicle that was told gets a cancel notice', async () => {
  const ids = vehicleIds(12, 521);
  await registerVehicles(e2e, ids);
  const stalled = simulatedFleet(e2e, ids.slice(0, 3), { stallRate: 1, stepMs: [50, 200] });
  // Each step well inside the timeout, the whole install well beyond the stalled ones' timeout.
  const slow = simulatedFleet(e2e, ids.slice(3), { stepMs: [4_000, 4_500] });
  await stalled.connect(undefined, 60_000);
  await slow.connect(undefined, 60_000);
  const campaignId = await createCampaign(
    e2e,
    campaignRequest(ids, {
      rollout: oneWave,
      options: { inProgressTimeout: 6, onFailureThreshold: 'cancel' },
    }),
  );

  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'cancelled',
    'the campaign to cancel',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const detail = await campaignDetail(e2e, campaignId);
  assert.equal(detail.pausedReason, null);
  assert.match(detail.endedReason ?? '', /^failure threshold exceeded in wave 1: \d+ of 12/);
  const states = await deliveryStates(e2e.db, campaignId);
  const told = slow.vehicles.filter((v) => states.get(v.vehicleId) === 'cancelled');
  assert.ok(told.length > 0, 'the slow vehicles were mid-install when the campaign was cancelled');
  await waitFor(
    () => told.every((v) => [...v.outcomes.values()].includes('cancelled')),
    'every vehicle told about the update to get its cancel notice',
    30_000,
    () => told.map((v) => `${v.vehicleId}: ${JSON.stringify([...v.outcomes])}`).join('; '),
  );
  // A cancelled update is not installed afterwards: the SDK refuses later reports.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const after = await deliveryStates(e2e.db, campaignId);
  assert.deepEqual(
    told.map((v) => after.get(v.vehicleId)),
    told.map(() => 'cancelled'),
  );
  // Two timeouts cross the threshold; a third stalled install still in progress at that
  // moment is cancelled with the rest, but a timed-out delivery keeps its outcome.
  const timedOut = stalled.vehicles.filter((v) => states.get(v.vehicleId) === 'timed_out');
  assert.ok(timedOut.length >= 2, 'the timeouts that crossed the threshold are recorded');
  for (const v of stalled.vehicles) {
    const expected = timedOut.includes(v) ? ['timed_out'] : ['timed_out', 'cancelled'];
    assert.ok(
      expected.includes(after.get(v.vehicleId) ?? ''),
      `${v.vehicleId}: ${after.get(v.vehicleId)}`,
    );
  }
  await assertCountersExact(e2e.db, campaignId);
});
