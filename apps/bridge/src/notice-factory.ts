import { createHash } from 'node:crypto';
import { noticeTopic, type Notice, type NoticeType } from '@roadcast/contracts';
import { signNoticeBatchAsync, type SigningKey } from '@roadcast/signing';
import type { DeliveryToPublish } from './delivery-store.js';
import type { PublishProperties } from './broker-link.js';

/**
 * The notice id of the cancel notice for an update notice: derived, so a re-sent cancel
 * carries the same id and the vehicle de-duplicates it (a name-based UUID, version 8).
 */
export function cancelNoticeId(noticeId: string): string {
  const bytes = createHash('sha256').update(`cancel:${noticeId}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface OutgoingNotice {
  delivery: DeliveryToPublish;
  topic: string;
  payload: Buffer;
  properties: PublishProperties;
}

/**
 * The signed notices for a batch of deliveries bound for one broker, in the same order: one
 * Ed25519 signature over the Merkle root of the batch, each payload carrying its notice (the
 * leaf, which names the vehicle) and its audit path (docs/notice-format.md). Each notice is
 * serialized once; the signature is made on libuv's thread pool.
 */
export async function buildNoticeBatch(
  deliveries: readonly DeliveryToPublish[],
  type: NoticeType,
  key: SigningKey,
  now: Date = new Date(),
): Promise<OutgoingNotice[]> {
  if (deliveries.length === 0) return [];
  const issuedAt = now.toISOString();
  const notices = deliveries.map((d) => notice(d, type, issuedAt));
  const payloads = await signNoticeBatchAsync(notices, key);
  return deliveries.map((delivery, i) => ({
    delivery,
    topic: noticeTopic(delivery.vehicleId),
    payload: payloads[i]!,
    properties: publishProperties(delivery, notices[i]!.noticeId, now),
  }));
}

function notice(delivery: DeliveryToPublish, type: NoticeType, issuedAt: string): Notice {
  return {
    noticeId: type === 'cancel' ? cancelNoticeId(delivery.noticeId) : delivery.noticeId,
    campaignId: delivery.campaignId,
    vehicleId: delivery.vehicleId,
    type,
    update: {
      id: delivery.updateId,
      version: delivery.updateVersion,
      url: delivery.updateUrl,
      sha256: delivery.updateSha256,
      size: delivery.updateSize,
    },
    priority: delivery.priority,
    issuedAt,
    expiresAt: delivery.expiresAt.toISOString(),
  };
}

/**
 * MQTT 5 publish properties: the message expires with the campaign, and user properties let
 * brokers and tools see ids without parsing.
 */
function publishProperties(
  delivery: DeliveryToPublish,
  noticeId: string,
  now: Date,
): PublishProperties {
  const secondsLeft = Math.max(1, Math.ceil((delivery.expiresAt.getTime() - now.getTime()) / 1000));
  return {
    messageExpiryInterval: Math.min(secondsLeft, 0xffffffff),
    contentType: 'application/json',
    payloadFormatIndicator: true,
    userProperties: { noticeId, campaignId: delivery.campaignId },
  };
}
