import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCampaign, getCampaignDetail } from '@roadcast/campaigns';
import type { NoticeMessage } from '@roadcast/contracts';
import { enqueueRepublish } from '@roadcast/queue';
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
  f = await startBridgeFixture('scheduled', {}, 1);
});

after(async () => {
  await observer?.close();
  await f.close();
});

test('a campaign with a future start waits, then starts by itself when due', async () => {
  const ids = await registerVehicles(f, 'SC', 50);
  const startAt = new Date(Date.now() + 1_500);
  const { campaign } = await createCampaign(
    f.pipeline,
    {
      name: 'Later',
      update: testUpdate,
      target: { vehicleIds: ids },
      startAt: startAt.toISOString(),
    },
    { createdBy: 'test' },
  );
  assert.equal(campaign.status, 'scheduled');
  assert.equal((await getCampaignDetail(f.db.pool, campaign.id))?.counts.pending, 50);
  const done = await waitForCampaign(f, campaign.id, (c) => c.counts.pending === 0, 20_000);
  assert.equal(done.status, 'running');
  assert.equal(done.counts.parked, 50);
  const { rows } = await f.db.pool.query<{ first: Date }>(
    'SELECT min(parked_at) AS first FROM deliveries WHERE campaign_id = $1',
    [campaign.id],
  );
  assert.ok(
    rows[0]!.first.getTime() >= startAt.getTime() - 50,
    'nothing was published before the start time',
  );
});

test('republish re-sends unacknowledged notices with their original ids and leaves acknowledged ones', async () => {
  const ids = await registerVehicles(f, 'RP', 20);
  const { campaign } = await createCampaign(
    f.pipeline,
    { name: 'Again', update: testUpdate, target: { vehicleIds: ids } },
    { createdBy: 'test' },
  );
  await waitForCampaign(f, campaign.id, (c) => c.counts.pending === 0);
  // Now the vehicles hold sessions; one of them has already acknowledged.
  observer = await SessionObserver.open(f.pools[0]!.broker.url, ids);
  const { rows } = await f.db.pool.query<{ id: number; vehicleId: string; noticeId: string }>(
    `SELECT id, vehicle_id AS "vehicleId", notice_id AS "noticeId" FROM deliveries WHERE campaign_id = $1 ORDER BY id`,
    [campaign.id],
  );
  await f.db.pool.query(
    `UPDATE deliveries SET state = 'received', received_at = now() WHERE id = $1`,
    [rows[0]!.id],
  );
  await enqueueRepublish(f.bridge.queues, {
    deliveryIds: rows.map((r) => r.id),
    reason: 'reconnect',
  });
  const detail = await waitForCampaign(f, campaign.id, (c) => c.counts.published === 19);
  assert.equal(detail.counts.received, 1);
  await waitFor(() => observer!.messages.length >= 19, 10_000, 're-sent notices');
  const expected = new Map(rows.slice(1).map((r) => [r.vehicleId, r.noticeId]));
  assert.equal(observer.messages.length, 19);
  for (const m of observer.messages) {
    const vehicleId = m.topic.split('/')[1]!;
    const { notice } = JSON.parse(m.payload.toString()) as NoticeMessage;
    assert.equal(notice.noticeId, expected.get(vehicleId), 'the same notice id as the first send');
  }
  const publishes = await f.db.pool.query<{ publishes: number }>(
    'SELECT publishes FROM deliveries WHERE campaign_id = $1 AND state = $2',
    [campaign.id, 'published'],
  );
  assert.ok(publishes.rows.every((r) => r.publishes === 2));
});
