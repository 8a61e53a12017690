import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertCountersExact,
  assertSeenExactlyOnce,
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

const VEHICLES = Number(process.env.E2E_VEHICLES ?? 300);
let e2e: E2e;

before(async () => {
  e2e = await startE2e('e2e-tunnel');
});

after(async () => {
  await e2e?.close();
});

test('tunnels: vehicles offline when the campaign starts come back at random and every one ends installed or failed as configured', async () => {
  const ids = vehicleIds(VEHICLES);
  await registerVehicles(e2e, ids);
  const fleet = simulatedFleet(e2e, ids, { failureRate: 0.05, seed: 11 });
  await fleet.connect(undefined, 60_000);
  const away = fleet.pick(0.3);
  await fleet.takeOffline(away);

  const campaignId = await createCampaign(
    e2e,
    campaignRequest(ids, {
      rollout: { waves: [{ percent: 100, successThreshold: 0.5, failureThreshold: 0.5 }] },
    }),
  );
  fleet.bringBack(away, 20_000);

  const expected = new Map(ids.map((id) => [id, fleet.expectedOutcome(id)]));
  await waitFor(
    async () => {
      const states = await deliveryStates(e2e.db, campaignId);
      return ids.every((id) => states.get(id) === expected.get(id));
    },
    'every delivery to reach its expected outcome',
    90_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'completed',
    'the campaign to complete',
    15_000,
  );

  assert.ok(away.length > VEHICLES * 0.2, 'a real share of the fleet was away');
  assertSeenExactlyOnce(fleet);
  await assertCountersExact(e2e.db, campaignId);
  const detail = await campaignDetail(e2e, campaignId);
  const failures = [...expected.values()].filter((o) => o === 'failed').length;
  assert.equal(detail.counts.installed, VEHICLES - failures);
  assert.equal(detail.counts.failed, failures);
});
