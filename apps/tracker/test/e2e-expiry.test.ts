import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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
  e2e = await startE2e('e2e-expiry');
});

after(async () => {
  await e2e?.close();
});

test('a vehicle offline past the expiry gets expired and, back online, is not told about the expired update', async () => {
  const ids = vehicleIds(12, 201);
  await registerVehicles(e2e, ids);
  const fleet = simulatedFleet(e2e, ids, { seed: 9 });
  await fleet.connect(undefined, 60_000);
  const away = fleet.vehicles.slice(0, 4);
  const present = fleet.vehicles.slice(4);
  await fleet.takeOffline(away);

  const expiresAt = new Date(Date.now() + 12_000).toISOString();
  const campaignId = await createCampaign(e2e, campaignRequest(ids, { expiresAt }));
  await waitFor(
    async () => {
      const states = await deliveryStates(e2e.db, campaignId);
      return present.every((v) => states.get(v.vehicleId) === 'installed');
    },
    'the vehicles in reach to install',
    30_000,
  );
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'expired',
    'the campaign to expire',
    30_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const states = await deliveryStates(e2e.db, campaignId);
  assert.deepEqual(
    away.map((v) => states.get(v.vehicleId)),
    away.map(() => 'expired'),
  );

  for (const v of away) v.client.goOnline();
  await waitFor(
    () => away.every((v) => v.client.connected),
    'the away vehicles to reconnect',
    30_000,
  );
  // Long enough for a reconnect re-send, a queued session copy or a retry to arrive, were any sent.
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  assert.deepEqual(
    away.map((v) => v.seen.size),
    away.map(() => 0),
    'no vehicle software was told about the expired update',
  );
  const after = await deliveryStates(e2e.db, campaignId);
  assert.deepEqual(
    away.map((v) => after.get(v.vehicleId)),
    away.map(() => 'expired'),
  );
  assert.equal((await campaignDetail(e2e, campaignId)).counts.expired, away.length);
  await assertCountersExact(e2e.db, campaignId);
});
