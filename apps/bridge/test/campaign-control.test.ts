import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  cancelCampaign,
  createCampaign,
  getCampaignDetail,
  pauseCampaign,
  resumeCampaign,
} from '@roadcast/campaigns';
import type { NoticeMessage } from '@roadcast/contracts';
import { cancelNoticeId } from '../src/notice-factory.js';
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
const observers: SessionObserver[] = [];

before(async () => {
  // One small job at a time, so a fan-out lasts long enough to interrupt.
  f = await startBridgeFixture('control', { settings: { FANOUT_CONCURRENCY: '1' } });
});

after(async () => {
  await Promise.all(observers.map((o) => o.close()));
  await f.close();
});

const told = (c: { counts: { published: number; parked: number } }) =>
  c.counts.published + c.counts.parked;

test('a paused campaign stops publishing within a second and resumes where it stopped', async () => {
  const ids = await registerVehicles(f, 'PA', 3_000);
  const { campaign } = await createCampaign(
    { ...f.pipeline, fanoutBatchSize: 20 },
    { name: 'Pause', update: testUpdate, target: { vehicleIds: ids } },
    { createdBy: 'test' },
  );
  await waitForCampaign(f, campaign.id, (c) => told(c) >= 100, 20_000);
  await pauseCampaign(f.pipeline, campaign.id, 'operator check');
  await sleep(700);
  const settled = await getCampaignDetail(f.db.pool, campaign.id);
  await sleep(1_000);
  const later = await getCampaignDetail(f.db.pool, campaign.id);
  assert.equal(told(later!), told(settled!), 'nothing is published while paused');
  assert.ok(later!.counts.pending > 0, 'the pause caught the fan-out in progress');

  await resumeCampaign(f.pipeline, campaign.id);
  const done = await waitForCampaign(f, campaign.id, (c) => c.counts.pending === 0, 30_000);
  assert.equal(told(done), 3_000);
  const { rows } = await f.db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM deliveries WHERE campaign_id = $1 AND publishes <> 1',
    [campaign.id],
  );
  assert.equal(rows[0]!.n, 0, 'every vehicle was published to once');
});

test('cancelling mid fan-out stops publishing and sends a cancel notice to every vehicle told', async () => {
  const ids = await registerVehicles(f, 'CA', 2_000);
  observers.push(
    await SessionObserver.open(
      f.pools[0]!.broker.url,
      ids.filter((_, i) => i % 2 === 0),
    ),
    await SessionObserver.open(
      f.pools[1]!.broker.url,
      ids.filter((_, i) => i % 2 === 1),
    ),
  );
  const { campaign } = await createCampaign(
    { ...f.pipeline, fanoutBatchSize: 20 },
    { name: 'Cancel', update: testUpdate, target: { vehicleIds: ids } },
    { createdBy: 'test' },
  );
  await waitForCampaign(f, campaign.id, (c) => c.counts.published >= 100, 20_000);
  const result = await cancelCampaign(f.pipeline, campaign.id);
  assert.ok(result.told >= 100 && result.told < 2_000);

  const notices = () =>
    observers
      .flatMap((o) => o.messages)
      .map((m) => (JSON.parse(m.payload.toString()) as NoticeMessage).notice);
  const updatesTo = () =>
    new Map(
      notices()
        .filter((n) => n.type === 'update')
        .map((n) => [n.noticeId, n]),
    );
  await waitFor(
    () => notices().filter((n) => n.type === 'cancel').length >= updatesTo().size,
    15_000,
    'cancel notices',
  );
  await sleep(1_000);
  const updates = updatesTo();
  const cancels = notices().filter((n) => n.type === 'cancel');
  assert.ok(updates.size < 2_000, 'publishing stopped');
  assert.deepEqual(
    new Set(cancels.map((n) => n.noticeId)),
    new Set([...updates.keys()].map(cancelNoticeId)),
    'one cancel notice for each update notice that reached a session',
  );
  for (const c of cancels) assert.equal(c.campaignId, campaign.id);
  const detail = await getCampaignDetail(f.db.pool, campaign.id);
  assert.equal(detail?.status, 'cancelled');
  assert.equal(detail?.counts.cancelled, 2_000);
});

test('a high-priority campaign overtakes an ordinary one already queued', async () => {
  const ordinaryIds = await registerVehicles(f, 'PO', 2_000);
  const urgentIds = await registerVehicles(f, 'PU', 100);
  const ordinary = await createCampaign(
    { ...f.pipeline, fanoutBatchSize: 20 },
    { name: 'Ordinary', update: testUpdate, target: { vehicleIds: ordinaryIds }, priority: 0 },
    { createdBy: 'test' },
  );
  const urgent = await createCampaign(
    { ...f.pipeline, fanoutBatchSize: 20 },
    { name: 'Urgent', update: testUpdate, target: { vehicleIds: urgentIds }, priority: 900 },
    { createdBy: 'test' },
  );
  await waitForCampaign(f, urgent.campaign.id, (c) => c.counts.pending === 0, 30_000);
  const behind = await getCampaignDetail(f.db.pool, ordinary.campaign.id);
  assert.ok(
    behind!.counts.pending > 1_000,
    `the ordinary campaign waited (${behind!.counts.pending} pending)`,
  );
  await waitForCampaign(f, ordinary.campaign.id, (c) => c.counts.pending === 0, 60_000);
});
