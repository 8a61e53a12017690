import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NoticeMessage } from '@roadcast/contracts';
import { generateSigningKeyPair, loadSigningKey, verifyNoticePayload } from '@roadcast/signing';
import type { DeliveryToPublish } from '../src/delivery-store.js';
import { buildNoticeBatch, cancelNoticeId } from '../src/notice-factory.js';

const pair = generateSigningKeyPair('bridge-test');
const key = loadSigningKey(pair.privateKeyPem, 'bridge-test');
const trustedKeys = new Map([['bridge-test', pair.publicKeyPem]]);
const now = new Date('2026-11-21T12:00:00.000Z');
const expiresAt = new Date('2026-11-21T14:00:00.000Z');

function deliveries(count: number): DeliveryToPublish[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    vehicleId: `NF${String(i).padStart(6, '0')}`,
    noticeId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    state: 'pending',
    campaignId: '0b7e2d11-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    campaignStatus: 'running',
    poolId: null,
    updateId: 'telematics',
    updateVersion: '7.1.0',
    updateUrl: 'https://updates.example.com/telematics/7.1.0.bin',
    updateSha256: 'c'.repeat(64),
    updateSize: 123_456,
    priority: 3,
    expiresAt,
  }));
}

test("a broker's batch is signed once and each notice verifies for its own vehicle only", async () => {
  const batch = deliveries(7);
  const outgoing = await buildNoticeBatch(batch, 'update', key, now);
  assert.deepEqual(
    outgoing.map((o) => [o.delivery, o.topic]),
    batch.map((d) => [d, `vehicles/${d.vehicleId}/ota/notices`]),
  );
  const proofs = outgoing.map((o) => (JSON.parse(o.payload.toString()) as NoticeMessage).proof);
  assert.equal(new Set(proofs.map((p) => p.signature)).size, 1, 'one signature');
  assert.deepEqual(
    proofs.map((p) => [p.index, p.size]),
    batch.map((_, i) => [i, 7]),
  );
  for (const [i, o] of outgoing.entries()) {
    const d = batch[i]!;
    const result = verifyNoticePayload(o.payload, { vehicleId: d.vehicleId, trustedKeys, now });
    assert.ok(result.ok);
    assert.deepEqual(result.notice, {
      noticeId: d.noticeId,
      campaignId: d.campaignId,
      vehicleId: d.vehicleId,
      type: 'update',
      update: {
        id: 'telematics',
        version: '7.1.0',
        url: 'https://updates.example.com/telematics/7.1.0.bin',
        sha256: 'c'.repeat(64),
        size: 123_456,
      },
      priority: 3,
      issuedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    });
    const other = batch[(i + 1) % batch.length]!.vehicleId;
    const refused = verifyNoticePayload(o.payload, { vehicleId: other, trustedKeys, now });
    assert.equal(refused.ok ? 'ok' : refused.reason, 'wrong-vehicle');
    assert.deepEqual(o.properties, {
      messageExpiryInterval: 7_200,
      contentType: 'application/json',
      payloadFormatIndicator: true,
      userProperties: { noticeId: d.noticeId, campaignId: d.campaignId },
    });
  }
});

test('cancel notices carry the derived notice id; a batch of one and an empty batch work', async () => {
  const [single] = deliveries(1);
  const [cancel] = await buildNoticeBatch([single!], 'cancel', key, now);
  const result = verifyNoticePayload(cancel!.payload, {
    vehicleId: single!.vehicleId,
    trustedKeys,
    now,
  });
  assert.ok(result.ok);
  assert.equal(result.notice.type, 'cancel');
  assert.equal(result.notice.noticeId, cancelNoticeId(single!.noticeId));
  assert.equal(cancel!.properties.userProperties?.noticeId, result.notice.noticeId);
  assert.deepEqual(await buildNoticeBatch([], 'update', key, now), []);
});
