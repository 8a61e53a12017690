import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCampaign } from '@roadcast/campaigns';
import {
  registerVehicles,
  SessionObserver,
  startBridgeFixture,
  testUpdate,
  waitFor,
  waitForCampaign,
  type BridgeFixture,
} from './bridge-fixture.js';

let f: BridgeFixture;
let observer: SessionObserver | undefined;

before(async () => {
  f = await startBridgeFixture('outage');
});

after(async () => {
  await observer?.close();
  await f.close();
});

async function pendingIn(campaignId: string, poolId: string): Promise<number> {
  const { rows } = await f.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries d JOIN vehicles v ON v.id = d.vehicle_id
     WHERE d.campaign_id = $1 AND v.pool_id = $2 AND d.state = 'pending'`,
    [campaignId, poolId],
  );
  return rows[0]!.n;
}

test('deliveries to a stopped broker wait and complete after it returns; the other pool goes on', async () => {
  const ids = await registerVehicles(f, 'OU', 1_000);
  const [poolA, poolB] = f.pools as [(typeof f.pools)[0], (typeof f.pools)[0]];
  const sessionsB = ids.filter((_, i) => i % 2 === 1 && i % 5 === 1);
  observer = await SessionObserver.open(poolB.broker.url, sessionsB);
  await poolB.broker.stop();

  const { campaign } = await createCampaign(
    f.pipeline,
    { name: 'Outage', update: testUpdate, target: { vehicleIds: ids } },
    { createdBy: 'test' },
  );
  await waitFor(
    async () => (await pendingIn(campaign.id, poolA.poolId)) === 0,
    20_000,
    'pool A deliveries',
  );
  assert.equal(
    await pendingIn(campaign.id, poolB.poolId),
    500,
    'pool B waits while its broker is down',
  );
  const { rows } = await f.db.pool.query<{ lastError: string | null }>(
    `SELECT d.last_error AS "lastError" FROM deliveries d JOIN vehicles v ON v.id = d.vehicle_id
     WHERE d.campaign_id = $1 AND v.pool_id = $2 LIMIT 1`,
    [campaign.id, poolB.poolId],
  );
  assert.match(rows[0]?.lastError ?? '', /ROADCAST_ERR_BROKER_UNAVAILABLE/);

  await poolB.broker.restart();
  const done = await waitForCampaign(f, campaign.id, (c) => c.counts.pending === 0, 30_000);
  assert.equal(
    done.counts.published,
    sessionsB.length,
    'the restored sessions on pool B got their notices',
  );
  assert.equal(done.counts.parked, 1_000 - sessionsB.length);
  await waitFor(() => observer!.messages.length >= sessionsB.length, 10_000, 'notices on pool B');
  assert.deepEqual(
    new Set(observer.messages.map((m) => m.topic.split('/')[1])),
    new Set(sessionsB),
  );
});

test('a broker killed mid fan-out loses nothing: what it had not acknowledged is retried after it returns', async () => {
  const ids = await registerVehicles(f, 'KM', 8_000);
  const [poolA] = f.pools as [(typeof f.pools)[0]];
  const inA = ids.filter((_, i) => i % 2 === 0);
  const { campaign } = await createCampaign(
    f.pipeline,
    { name: 'Killed', update: testUpdate, target: { vehicleIds: inA } },
    { createdBy: 'test' },
  );
  await waitFor(
    async () => (await pendingIn(campaign.id, poolA.poolId)) < inA.length,
    20_000,
    'first notices parked',
  );
  await poolA.broker.kill();
  const stranded = await pendingIn(campaign.id, poolA.poolId);
  await new Promise((r) => setTimeout(r, 500));
  await poolA.broker.restart();
  const done = await waitForCampaign(f, campaign.id, (c) => c.counts.pending === 0, 60_000);
  assert.equal(done.counts.parked, inA.length, 'every delivery ends parked, none lost');
  assert.ok(stranded > 0, 'the kill landed mid fan-out');
  const { rows } = await f.db.pool.query<{ retried: number }>(
    `SELECT count(*)::int AS retried FROM deliveries
     WHERE campaign_id = $1 AND last_error IS NULL AND publishes >= 1`,
    [campaign.id],
  );
  assert.equal(rows[0]!.retried, inA.length, 'recorded once accepted, errors cleared');
});
