import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCampaign } from '@roadcast/campaigns';
import type { NoticeMessage } from '@roadcast/contracts';
import { verifyNoticePayload } from '@roadcast/signing';
import { PresenceStore } from '@roadcast/routing';
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
  f = await startBridgeFixture('fanout');
});

after(async () => {
  await Promise.all(observers.map((o) => o.close()));
  await f.close();
});

test('a campaign to 2,000 vehicles in two pools ends published or parked by session, each notice signed', async () => {
  const ids = await registerVehicles(f, 'FO', 2_000);
  const [poolA, poolB] = f.pools as [(typeof f.pools)[0], (typeof f.pools)[0]];
  // Vehicles at even positions live in pool A, odd ones in pool B. Every third one holds a
  // session on its own broker; ten pool-A vehicles are connected to pool B's broker right now.
  const poolOf = (i: number) => (i % 2 === 0 ? poolA : poolB);
  const roaming = ids.filter((_, i) => i % 2 === 0 && i % 3 !== 0).slice(0, 10);
  const roamingSet = new Set(roaming);
  const withSession = ids.filter((_, i) => i % 3 === 0);
  const sessionA = withSession.filter((id) => poolOf(ids.indexOf(id)) === poolA);
  const sessionB = withSession.filter((id) => poolOf(ids.indexOf(id)) === poolB);
  observers.push(await SessionObserver.open(poolA.broker.url, sessionA));
  observers.push(await SessionObserver.open(poolB.broker.url, [...sessionB, ...roaming]));
  const presence = new PresenceStore({ redis: f.redis, prefix: f.prefix });
  for (const id of roaming) {
    await presence.record({
      vehicleId: id,
      brokerId: poolB.brokerId,
      poolId: poolB.poolId,
      routerId: 'router-test',
      connectionId: `c-${id}`,
      connectedAt: new Date().toISOString(),
      sessionPresent: true,
      protocolVersion: 5,
    });
  }

  const expiresAt = new Date(Date.now() + 2 * 3600_000);
  const { campaign } = await createCampaign(
    f.pipeline,
    {
      name: 'Telematics 7.1',
      update: testUpdate,
      target: { filter: { tags: ['FO'] } },
      priority: 3,
      expiresAt: expiresAt.toISOString(),
    },
    { createdBy: 'test' },
  );
  assert.equal(campaign.total, 2_000);
  const done = await waitForCampaign(f, campaign.id, (c) => c.counts.pending === 0);

  const told = new Set([...withSession, ...roaming]);
  assert.equal(done.counts.published, told.size);
  assert.equal(done.counts.parked, 2_000 - told.size);

  const { rows } = await f.db.pool.query<{
    vehicleId: string;
    state: string;
    brokerId: string;
    publishes: number;
    noticeId: string;
  }>(
    `SELECT vehicle_id AS "vehicleId", state, broker_id AS "brokerId", publishes, notice_id AS "noticeId"
     FROM deliveries WHERE campaign_id = $1`,
    [campaign.id],
  );
  const noticeIds = new Map(rows.map((r) => [r.vehicleId, r.noticeId]));
  for (const r of rows) {
    const i = ids.indexOf(r.vehicleId);
    const expectedBroker = roamingSet.has(r.vehicleId) ? poolB.brokerId : poolOf(i).brokerId;
    assert.equal(r.brokerId, expectedBroker, `broker of ${r.vehicleId}`);
    assert.equal(
      r.state,
      told.has(r.vehicleId) ? 'published' : 'parked',
      `state of ${r.vehicleId}`,
    );
    assert.equal(r.publishes, 1);
  }

  await waitFor(
    () => observers.reduce((n, o) => n + o.messages.length, 0) >= told.size,
    10_000,
    'notices',
  );
  await sleep(300);
  const all = observers.flatMap((o) => o.messages);
  assert.equal(all.length, told.size, 'exactly one notice per subscribed vehicle');
  const keys = new Map([[f.keyId, f.publicKeyPem]]);
  const seen = new Set<string>();
  for (const packet of all) {
    const vehicleId = packet.topic.split('/')[1]!;
    assert.ok(told.has(vehicleId), `unexpected notice for ${vehicleId}`);
    assert.ok(!seen.has(vehicleId), `second notice for ${vehicleId}`);
    seen.add(vehicleId);
    const verified = verifyNoticePayload(Buffer.from(packet.payload), {
      vehicleId,
      trustedKeys: keys,
    });
    assert.ok(verified.ok, `notice for ${vehicleId} verifies`);
    assert.equal(verified.notice.noticeId, noticeIds.get(vehicleId));
    assert.equal(verified.notice.campaignId, campaign.id);
    assert.equal(verified.notice.type, 'update');
    assert.equal(verified.notice.priority, 3);
    assert.deepEqual(verified.notice.update, testUpdate);
    assert.equal(verified.notice.expiresAt, expiresAt.toISOString());
    const expiry = packet.properties?.messageExpiryInterval ?? 0;
    assert.ok(expiry > 7_000 && expiry <= 7_200, `message expiry ${expiry}s follows the campaign`);
    assert.deepEqual(
      { ...packet.properties?.userProperties },
      { noticeId: verified.notice.noticeId, campaignId: campaign.id },
    );
    assert.equal(packet.properties?.contentType, 'application/json');
  }
  assert.equal(seen.size, told.size);
  // Signed a batch at a time: the notices of one job for one broker share a root and signature.
  const batches = new Map<string, { signature: string; size: number; count: number }>();
  for (const packet of all) {
    const { proof } = JSON.parse(packet.payload.toString()) as NoticeMessage;
    const batch = batches.get(proof.root) ?? { ...proof, count: 0 };
    assert.equal(proof.signature, batch.signature, 'one signature per root');
    assert.equal(proof.size, batch.size, 'one size per root');
    batch.count += 1;
    batches.set(proof.root, batch);
  }
  assert.ok(batches.size * 10 < all.length, `${batches.size} signatures for ${all.length} notices`);
  for (const batch of batches.values()) assert.ok(batch.count <= batch.size);
  // Every publish was timed to its PUBACK, per broker; queue depths and in-flight are scraped.
  const text = await f.registry.metrics();
  const pubacks = [...text.matchAll(/^roadcast_bridge_puback_seconds_count\{[^}]*\} (\d+)/gm)];
  assert.equal(
    pubacks.reduce((sum, m) => sum + Number(m[1]), 0),
    2_000,
  );
  assert.match(text, /^roadcast_queue_jobs\{queue="[^"]+",state="waiting"[^}]*\} \d+/m);
  assert.match(text, /^roadcast_bridge_inflight\{broker="[^"]+"[^}]*\} 0$/m);
});
