import { createHash } from 'node:crypto';
import { noticeTopic, type Notice, type NoticeType } from '@roadcast/contracts';
import { signNoticeAsync, type SigningKey } from '@roadcast/signing';
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
 * The signed notices for a batch of deliveries bound for one broker, in the same order.
 * This is the one place the fan-out asks for notices, so how a batch is signed and
 * serialized can change without touching the publish path.
 */
export function buildNoticeBatch(
  deliveries: readonly DeliveryToPublish[],
  type: NoticeType,
  key: SigningKey,
  now: Date = new Date(),
): Promise<OutgoingNotice[]> {
  return Promise.all(deliveries.map((d) => buildNotice(d, type, key, now)));
}

/**
 * The signed notice for a delivery and its MQTT 5 publish properties: the message expires
 * with the campaign, and user properties let brokers and tools see ids without parsing.
 */
export async function buildNotice(
  delivery: DeliveryToPublish,
  type: NoticeType,
  key: SigningKey,
  now: Date = new Date(),
): Promise<OutgoingNotice> {
  const noticeId = type === 'cancel' ? cancelNoticeId(delivery.noticeId) : delivery.noticeId;
  const notice: Notice = await signNoticeAsync(
    {
      noticeId,
      campaignId: delivery.campaignId,
      type,
      update: {
        id: delivery.updateId,
        version: delivery.updateVersion,
        url: delivery.updateUrl,
        sha256: delivery.updateSha256,
        size: delivery.updateSize,
      },
      priority: delivery.priority,
      issuedAt: now.toISOString(),
      expiresAt: delivery.expiresAt.toISOString(),
    },
    key,
  );
  const secondsLeft = Math.max(1, Math.ceil((delivery.expiresAt.getTime() - now.getTime()) / 1000));
  return {
    delivery,
    topic: noticeTopic(delivery.vehicleId),
    payload: Buffer.from(JSON.stringify(notice), 'utf8'),
    properties: {
      messageExpiryInterval: Math.min(secondsLeft, 0xffffffff),
      contentType: 'application/json',
      payloadFormatIndicator: true,
      userProperties: { noticeId, campaignId: delivery.campaignId },
    },
  };
}
