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

const VEHICLES = Number(process.env.E2E_FAULT_VEHICLES ?? 150);
let e2e: E2e;

before(async () => {
  e2e = await startE2e('e2e-faults');
});

after(async () => {
  await e2e?.close();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('kill -9 of a broker, the bridge, the tracker, the router and the api, one at a time: same end state, nothing stuck, nothing shown twice', async () => {
  const ids = vehicleIds(VEHICLES, 301);
  await registerVehicles(e2e, ids);
  const fleet = simulatedFleet(e2e, ids, { failureRate: 0.05, seed: 21, stepMs: [100, 800] });
  await fleet.connect(undefined, 60_000);
  const away = fleet.pick(0.3);
  await fleet.takeOffline(away);
  const campaignId = await createCampaign(
    e2e,
    campaignRequest(ids, {
      rollout: { waves: [{ percent: 100, successThreshold: 0.5, failureThreshold: 0.5 }] },
    }),
  );
  fleet.bringBack(away, 25_000);

  const broker = [...e2e.stack.brokers.keys()][0]!;
  for (const component of [broker, 'bridge', 'tracker', 'router', 'api']) {
    await pause(1_500);
    await e2e.stack.kill(component);
    await pause(1_500);
    await e2e.stack.restart(component);
  }

  const expected = new Map(ids.map((id) => [id, fleet.expectedOutcome(id)]));
  await waitFor(
    async () => {
      const states = await deliveryStates(e2e.db, campaignId);
      return ids.every((id) => states.get(id) === expected.get(id));
    },
    'every delivery to reach its expected outcome',
    100_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'completed',
    'the campaign to complete',
    20_000,
  );
  const counts = await stateCounts(e2e.db, campaignId);
  assert.deepEqual(
    Object.keys(counts).filter((s) => !['installed', 'failed'].includes(s)),
    [],
    'no delivery left in a non-terminal state',
  );
  assertSeenExactlyOnce(fleet);
  await assertCountersExact(e2e.db, campaignId);
});
