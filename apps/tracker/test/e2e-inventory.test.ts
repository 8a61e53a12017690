import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertCountersExact,
  campaignDetail,
  campaignRequest,
  createCampaign,
  deliveryStates,
  simulatedFleet,
  startE2e,
  stateCounts,
  vehicleIds,
  waitFor,
  type E2e,
} from './e2e-support.js';

let e2e: E2e;

before(async () => {
  e2e = await startE2e('e2e-inventory');
});

after(async () => {
  await e2e?.close();
});

const oneWave = { waves: [{ percent: 100, successThreshold: 1, failureThreshold: 0.5 }] };

async function register(ids: string[], region: string): Promise<void> {
  await e2e.api('POST', '/v1/vehicles', {
    vehicles: ids.map((id) => ({ id, model: 'e2e', region, softwareVersion: '1.0.0' })),
  });
}

test('a vehicle registered after a dynamic campaign started receives it and installs', async () => {
  const region = `dynamic-${process.pid}`;
  const [first, second, late] = vehicleIds(3, 601) as [string, string, string];
  await register([first, second], region);
  const early = simulatedFleet(e2e, [first, second]);
  await early.connect(undefined, 60_000);
  const campaignId = await createCampaign(
    e2e,
    campaignRequest([], {
      target: { filter: { region } },
      rollout: oneWave,
      options: { dynamic: true },
    }),
  );
  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).counts.installed === 2,
    'the vehicles registered before the start to install',
    60_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );

  await register([late], region);
  const newcomer = simulatedFleet(e2e, [late]);
  await newcomer.connect(undefined, 60_000);
  await waitFor(
    async () => (await deliveryStates(e2e.db, campaignId)).get(late) === 'installed',
    'the vehicle registered later to install the update',
    60_000,
    async () => JSON.stringify([...(await deliveryStates(e2e.db, campaignId))]),
  );
  const detail = await campaignDetail(e2e, campaignId);
  assert.equal(detail.status, 'running', 'a dynamic campaign keeps running for later vehicles');
  assert.equal(detail.options.dynamic, true);
  assert.equal(newcomer.vehicles[0]!.seen.size, 1, 'the newcomer was told once');
  await assertCountersExact(e2e.db, campaignId);
});

test('healthy boot: a vehicle that fell back counts as failed; healthy ones install only after the window', async () => {
  const ids = vehicleIds(4, 621);
  await register(ids, 'healthy-boot');
  const observationSeconds = 4;
  // The reboot after the installed report takes a while, as a car's does.
  const common = { components: ['head-unit'], stepMs: [300, 600] as const };
  const fallsBack = simulatedFleet(e2e, ids.slice(0, 1), { ...common, bootFailureRate: 1 });
  const healthy = simulatedFleet(e2e, ids.slice(1), common);
  await fallsBack.connect(undefined, 60_000);
  await healthy.connect(undefined, 60_000);
  const campaignId = await createCampaign(
    e2e,
    campaignRequest(ids, { rollout: oneWave, options: { healthyBoot: { observationSeconds } } }),
  );

  await waitFor(
    async () => (await campaignDetail(e2e, campaignId)).status === 'completed',
    'the campaign to complete',
    90_000,
    async () => JSON.stringify(await stateCounts(e2e.db, campaignId)),
  );
  const states = await deliveryStates(e2e.db, campaignId);
  assert.deepEqual(
    ids.map((id) => states.get(id)),
    ['failed', 'installed', 'installed', 'installed'],
  );
  // Every vehicle reported installed; the platform believed only the healthy boots.
  assert.ok(
    [...fallsBack.vehicles, ...healthy.vehicles].every((v) =>
      [...v.outcomes.values()].includes('installed'),
    ),
  );
  const { rows } = await e2e.db.query<{
    vehicle_id: string;
    last_error: string | null;
    observed: number | null;
  }>(
    `SELECT vehicle_id, last_error, extract(epoch FROM installed_at - verifying_at)::float8 AS observed
     FROM deliveries WHERE campaign_id = $1 ORDER BY vehicle_id`,
    [campaignId],
  );
  const byVehicle = new Map(rows.map((r) => [r.vehicle_id, r]));
  assert.match(
    byVehicle.get(ids[0]!)?.last_error ?? '',
    /^ROADCAST_ERR_BOOT_FALLBACK: fell back to version 1\.0\.0 after installing 2\.0\.0/,
  );
  for (const id of ids.slice(1)) {
    const observed = byVehicle.get(id)?.observed ?? 0;
    assert.ok(
      observed >= observationSeconds,
      `${id} installed ${observed} s after verifying began`,
    );
  }
  const detail = await campaignDetail(e2e, campaignId);
  assert.equal(detail.counts.failed, 1);
  assert.equal(detail.counts.installed, 3);
  await assertCountersExact(e2e.db, campaignId);
});
