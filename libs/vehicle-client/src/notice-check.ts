import type { Notice } from '@roadcast/contracts';
import { verifyNoticePayload, type TrustedKeys, type VerifyFailure } from '@roadcast/signing';
import { compareVersions } from './version-order.js';

/** Why a vehicle refused a notice; sent as the `reason` of a `rejected` ack. */
export type RejectReason = VerifyFailure | 'rollback';

export type NoticeCheck =
  | { ok: true; notice: Notice; keyId: string; format: 'batch' | 'legacy' }
  | { ok: false; reason: RejectReason; noticeId?: string; campaignId?: string };

export interface NoticeCheckOptions {
  /** This vehicle: notices naming another vehicle are refused. */
  vehicleId: string;
  trustedKeys: TrustedKeys;
  /** Keys whose legacy per-notice format is still accepted (see VerifyOptions). */
  legacyKeyIds?: ReadonlySet<string>;
  /** The version of this update the vehicle runs now, if any. */
  installedVersion: (updateId: string) => string | undefined;
  now: Date;
}

/**
 * Decides whether a raw notice payload may be acted on: a notice for this vehicle, proven
 * part of a batch signed by a trusted key, not expired, and (for an update) newer than what
 * is installed. A cancel notice withdraws an update and is never a rollback.
 */
export function checkNotice(payload: Buffer, options: NoticeCheckOptions): NoticeCheck {
  const result = verifyNoticePayload(payload, {
    vehicleId: options.vehicleId,
    trustedKeys: options.trustedKeys,
    now: options.now,
    ...(options.legacyKeyIds ? { legacyKeyIds: options.legacyKeyIds } : {}),
  });
  if (!result.ok) return result;
  const notice = result.notice;
  if (notice.type === 'update') {
    const installed = options.installedVersion(notice.update.id);
    if (installed !== undefined && compareVersions(notice.update.version, installed) <= 0) {
      return {
        ok: false,
        reason: 'rollback',
        noticeId: notice.noticeId,
        campaignId: notice.campaignId,
      };
    }
  }
  return result;
}
