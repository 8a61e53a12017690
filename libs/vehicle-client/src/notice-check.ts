import type { KeyObject } from 'node:crypto';
import type { Notice } from '@roadcast/contracts';
import { verifyNotice } from '@roadcast/signing';
import { compareVersions } from './version-order.js';

/** Why a vehicle refused a notice; sent as the `reason` of a `rejected` ack. */
export type RejectReason = 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'rollback';

export type NoticeCheck =
  | { ok: true; notice: Notice }
  | { ok: false; reason: RejectReason; noticeId?: string; campaignId?: string };

export interface NoticeCheckOptions {
  trustedKeys: ReadonlyMap<string, KeyObject | string>;
  /** The version of this update the vehicle runs now, if any. */
  installedVersion: (updateId: string) => string | undefined;
  now: Date;
}

/**
 * Decides whether a raw notice payload may be acted on: valid JSON of the notice shape,
 * signed by a trusted key, not expired, and (for an update) newer than what is installed.
 * A cancel notice withdraws an update and is never a rollback.
 */
export function checkNotice(payload: Buffer, options: NoticeCheckOptions): NoticeCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const result = verifyNotice(parsed, options.trustedKeys, options.now);
  if (!result.ok) return { ok: false, reason: result.reason, ...identify(parsed) };
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
  return { ok: true, notice };
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The ids of a notice that failed verification, when it carries well-formed ones, to report against. */
function identify(parsed: unknown): { noticeId?: string; campaignId?: string } {
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { noticeId, campaignId } = parsed as Record<string, unknown>;
  return {
    ...(typeof noticeId === 'string' && UUID.test(noticeId) ? { noticeId } : {}),
    ...(typeof campaignId === 'string' && UUID.test(campaignId) ? { campaignId } : {}),
  };
}
